"""Tests for the statutory working-day calendar and holiday files."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong import calendar as cal
from xinyong.calendar import (
    HOLIDAY_DIR,
    CalendarError,
    WorkingCalendar,
    default_calendar,
    load_holiday_file,
)
from xinyong.errors import ConfigurationError, InvalidInput

VALID_2027 = """\
year: 2027
source: 测试用安排（非官方）
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {from: 2027-02-05, to: 2027-02-11, name: 春节}
workdays:
  - {date: 2027-02-14, name: 春节调休}
"""

CAL = WorkingCalendar()


def saturday_workday_2026() -> date:
    """Return a 2026 Saturday that chinese-calendar lists as an adjusted working day."""
    return next(d for d in sorted(chinese_calendar.workdays) if d.year == 2026 and d.weekday() == 5)


def write(tmp_path: Path, text: str, name: str = "2027.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_national_day_2026_is_a_named_holiday() -> None:
    assert not CAL.is_working_day(date(2026, 10, 1))
    assert CAL.holiday_name(date(2026, 10, 1)) == "国庆节"
    assert CAL.holiday_name(date(2026, 10, 8)) is None


def test_adjusted_saturday_2026_is_a_working_day() -> None:
    saturday = saturday_workday_2026()
    assert CAL.is_working_day(saturday)
    assert CAL.holiday_name(saturday) is None
    assert CAL.add_working_days(saturday - timedelta(days=1), 1) == saturday


def test_agrees_with_chinese_calendar_for_every_bundled_day() -> None:
    day = date(2004, 1, 1)
    while day.year <= 2026:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_covered_years_are_the_bundled_ones() -> None:
    assert CAL.covered_years == frozenset(range(2004, 2027))
    assert not CAL.weekends_fallback


def test_add_across_national_day_2026() -> None:
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # 10-08 Thu, 10-09 Fri, 10-10 is the adjusted Saturday.
    assert CAL.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert CAL.add_working_days(date(2026, 9, 30), 4) == date(2026, 10, 12)


def test_add_across_a_weekend() -> None:
    assert CAL.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)
    assert CAL.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert CAL.add_working_days(date(2026, 3, 6), 7) == date(2026, 3, 17)


def test_zero_days_rolls_forward_only_from_a_non_working_day() -> None:
    assert CAL.add_working_days(date(2026, 3, 6), 0) == date(2026, 3, 6)
    assert CAL.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert CAL.add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 8)


def test_negative_days_count_backwards() -> None:
    assert CAL.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert CAL.add_working_days(date(2026, 10, 4), -1) == date(2026, 9, 30)
    assert CAL.add_working_days(date(2026, 3, 9), -1) == date(2026, 3, 6)
    assert CAL.add_working_days(date(2026, 1, 4), -1) == date(2025, 12, 31)


def test_add_crosses_years_onto_an_adjusted_sunday() -> None:
    # 2026-01-01..03 is the New Year break and Sunday 2026-01-04 is worked instead.
    assert CAL.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert CAL.add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)


def test_accepts_datetime_and_refuses_other_types() -> None:
    assert CAL.add_working_days(datetime(2026, 3, 6, 18, 30), 1) == date(2026, 3, 9)
    with pytest.raises(InvalidInput):
        CAL.add_working_days("2026-03-06", 1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        CAL.add_working_days(date(2026, 3, 6), 1.5)  # type: ignore[arg-type]


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.working_days_between(date(2026, 3, 6), date(2026, 3, 6)) == 0
    assert CAL.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0
    assert CAL.working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    assert CAL.working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == -1
    assert CAL.working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2


def test_year_outside_data_raises_with_year_and_remedy() -> None:
    with pytest.raises(CalendarError) as caught:
        CAL.is_working_day(date(2027, 1, 4))
    assert "2027" in caught.value.message
    assert "xinyong calendar load" in caught.value.message
    assert caught.value.status == 422
    assert caught.value.to_dict()["error"] == "calendar_out_of_range"
    with pytest.raises(CalendarError, match="2003"):
        CAL.add_working_days(date(2003, 6, 2), 1)


def test_counting_into_an_unknown_year_raises() -> None:
    with pytest.raises(CalendarError, match="2027"):
        CAL.add_working_days(date(2026, 12, 31), 1)
    with pytest.raises(CalendarError, match="2027"):
        CAL.working_days_between(date(2026, 12, 1), date(2027, 1, 4))


def test_weekends_fallback_counts_weekends_and_warns_once_per_year(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fallback = WorkingCalendar(weekends_fallback=True)
    with caplog.at_level(logging.WARNING, logger="xinyong.calendar"):
        assert fallback.is_working_day(date(2027, 1, 4))
        assert not fallback.is_working_day(date(2027, 1, 2))
        assert fallback.is_working_day(date(2027, 1, 1))  # no data: 元旦 is not known
        assert fallback.add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 4)
        assert fallback.holiday_name(date(2027, 1, 1)) is None
        warned_2027 = [r for r in caplog.records if "2027" in r.getMessage()]
        assert len(warned_2027) == 1
        fallback.is_working_day(date(2028, 1, 3))
    assert len([r for r in caplog.records if "2028" in r.getMessage()]) == 1
    assert not fallback.is_working_day(date(2026, 10, 1))


def test_valid_holiday_file_makes_2027_work(tmp_path: Path) -> None:
    loaded = load_holiday_file(write(tmp_path, VALID_2027))
    assert loaded.year == 2027
    assert loaded.source == "测试用安排（非官方）"
    assert len(loaded.holidays) == 8
    calendar = default_calendar(tmp_path)
    assert 2027 in calendar.covered_years
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.holiday_name(date(2027, 2, 8)) == "春节"
    assert calendar.is_working_day(date(2027, 2, 14))
    assert calendar.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 1


def test_file_replaces_bundled_data_for_its_year(tmp_path: Path) -> None:
    write(tmp_path, "year: 2026\nholidays:\n  - {date: 2026-01-01, name: 元旦}\n", "2026.yaml")
    calendar = default_calendar(tmp_path)
    assert calendar.is_working_day(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 10))
    assert not calendar.is_working_day(date(2025, 10, 1))


def test_default_calendar_ignores_examples_and_ships_a_valid_example(tmp_path: Path) -> None:
    example = load_holiday_file(HOLIDAY_DIR / "2027.example.yaml")
    assert example.year == 2027
    assert "EXAMPLE" in example.source
    write(tmp_path, VALID_2027, "2027.example.yaml")
    assert 2027 not in default_calendar(tmp_path).covered_years
    assert 2027 not in default_calendar().covered_years


def test_default_calendar_refuses_duplicates_broken_files_and_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        default_calendar(tmp_path / "missing")
    write(tmp_path, VALID_2027, "a.yaml")
    write(tmp_path, VALID_2027, "b.yaml")
    with pytest.raises(ConfigurationError, match="2027"):
        default_calendar(tmp_path)
    (tmp_path / "b.yaml").unlink()
    write(tmp_path, "year: 2027\nholidays: [\n", "b.yaml")
    with pytest.raises(ConfigurationError, match=r"b\.yaml"):
        default_calendar(tmp_path)


def test_constructor_refuses_inconsistent_extra_data() -> None:
    with pytest.raises(ConfigurationError):
        WorkingCalendar({date(2027, 1, 1): "元旦"}, covered_years=set())
    with pytest.raises(ConfigurationError):
        WorkingCalendar({date(2027, 2, 14): "x"}, {date(2027, 2, 14): "y"}, {2027})
    with pytest.raises(ConfigurationError):
        WorkingCalendar({}, {date(2027, 2, 15): "周一"}, {2027})


def test_module_level_add_working_days(tmp_path: Path) -> None:
    cal.reset_default_calendar()
    assert cal.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.get_default_calendar() is cal.get_default_calendar()
    custom = default_calendar(write(tmp_path, VALID_2027).parent)
    assert cal.add_working_days(date(2027, 2, 4), 1, calendar=custom) == date(2027, 2, 12)


BAD_FILES = {
    "date outside year": (VALID_2027.replace("2027-01-01", "2026-01-01"), 4, "不在 2027 年内"),
    "from after to": (VALID_2027.replace("to: 2027-02-11", "to: 2027-02-01"), 5, "晚于"),
    "holiday also workday": (
        VALID_2027.replace("2027-02-14, name: 春节调休", "2027-02-06, name: 春节调休"),
        7,
        "既是放假日",
    ),
    "workday on a weekday": (VALID_2027.replace("2027-02-14", "2027-02-15"), 7, "星期一"),
    "unknown entry key": (VALID_2027.replace("name: 元旦", "name: 元旦, note: x"), 4, "note"),
    "unknown top-level key": (VALID_2027 + "remark: x\n", 8, "remark"),
    "malformed yaml": (VALID_2027.replace("name: 元旦}", "name: 元旦"), 5, "YAML"),
    "missing year": (VALID_2027.replace("year: 2027\n", ""), 1, "year"),
    "impossible date": (VALID_2027.replace("2027-01-01", "2027-02-30"), 4, "2027-02-30"),
    "missing holiday name": (VALID_2027.replace(", name: 元旦", ""), 4, "name"),
    "empty holidays": ("year: 2027\nholidays: []\n", 2, "holidays"),
    "duplicate date": (VALID_2027.replace("2027-01-01", "2027-02-06"), 5, "重复"),
    "date and range together": (VALID_2027.replace("01-01,", "01-01, to: 2027-01-02,"), 4, "同时"),
    "year not a number": (VALID_2027.replace("year: 2027", "year: 明年"), 1, "year"),
    "not a mapping": ("- 2027\n", 1, "顶层"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_holiday_files_name_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, needle = BAD_FILES[case]
    path = write(tmp_path, text, "bad-2027.yaml")
    with pytest.raises(InvalidInput) as caught:
        load_holiday_file(path)
    message = caught.value.message
    assert "bad-2027.yaml" in message
    assert f"第 {line} 行" in message
    assert needle in message


def test_bad_entry_message_quotes_the_entry(tmp_path: Path) -> None:
    text = VALID_2027.replace("2027-02-14", "2027-02-15")
    with pytest.raises(InvalidInput, match=r"date: 2027-02-15, name: 春节调休"):
        load_holiday_file(write(tmp_path, text))


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="none.yaml"):
        load_holiday_file(tmp_path / "none.yaml")
    with pytest.raises(InvalidInput, match="第 1 行"):
        load_holiday_file(write(tmp_path, "", "empty.yaml"))


BUNDLED_DAYS = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 15))


@settings(max_examples=300, deadline=None)
@given(day=BUNDLED_DAYS, n=st.integers(min_value=0, max_value=30))
def test_add_then_count_round_trips(day: date, n: int) -> None:
    result = CAL.add_working_days(day, n)
    assert CAL.is_working_day(result)
    assert result >= day
    if n >= 1:
        assert CAL.working_days_between(day, result) == n
        assert CAL.working_days_between(day, result - timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(day=st.dates(min_value=date(2004, 3, 1), max_value=date(2026, 12, 31)), n=st.integers(1, 30))
def test_backwards_is_a_working_day_before(day: date, n: int) -> None:
    result = CAL.add_working_days(day, -n)
    assert CAL.is_working_day(result)
    assert result < day
    assert CAL.add_working_days(result, n) == CAL.add_working_days(day, 0)
