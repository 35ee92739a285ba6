"""Statutory working-day calendar: weekends, public holidays and adjusted working days (调休)."""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml

from xinyong.errors import ConfigurationError, InvalidInput, XinyongError
from xinyong.yamlsource import NodeReader, YamlSourceError, YamlSyntaxError, compose, line_of

log = logging.getLogger(__name__)

HOLIDAY_DIR = Path(__file__).parent / "data" / "holidays"
EXAMPLE_SUFFIX = ".example.yaml"
LOAD_HINT = "请使用 xinyong calendar load 导入该年度节假日安排文件（依据国务院办公厅当年的放假通知）"

_CHINESE_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}
_BUILTIN_HOLIDAYS: dict[date, str] = {
    d: _CHINESE_NAMES.get(n, n) for d, n in chinese_calendar.holidays.items()
}
_BUILTIN_WORKDAYS: dict[date, str] = {
    d: f"{_CHINESE_NAMES.get(n, n)}调休" for d, n in chinese_calendar.workdays.items()
}
BUILTIN_YEARS: frozenset[int] = frozenset(d.year for d in _BUILTIN_HOLIDAYS)

_WEEKDAY_NAMES = "一二三四五六日"
_TOP_KEYS = ("year", "source", "holidays", "workdays")
_ENTRY_KEYS = ("date", "from", "to", "name")
_DEFAULT_WORKDAY_NAME = "调休上班"
_ENTRY_SHAPE = "每一项应形如 {date: …, name: …} 或 {from: …, to: …, name: …}"


class CalendarError(XinyongError):
    """A date falls in a year whose holiday arrangement has not been loaded."""

    status = 422
    code = "calendar_out_of_range"

    def __init__(self, year: int) -> None:
        super().__init__(f"{year} 年的法定节假日安排尚未导入，无法按工作日计算期限。{LOAD_HINT}。")
        self.year = year


@dataclass(frozen=True)
class HolidayYear:
    """One year's holiday arrangement as read from a holiday file."""

    year: int
    holidays: dict[date, str]
    workdays: dict[date, str]
    source: str = ""
    path: Path | None = field(default=None, compare=False)


class WorkingCalendar:
    """Working days on the statutory calendar: chinese-calendar plus loaded holiday files."""

    def __init__(
        self,
        extra_holidays: Mapping[date, str] | None = None,
        extra_workdays: Mapping[date, str] | None = None,
        covered_years: Iterable[int] | None = None,
        weekends_fallback: bool = False,
    ) -> None:
        extra_holidays = dict(extra_holidays or {})
        extra_workdays = dict(extra_workdays or {})
        file_years = frozenset(covered_years or ())
        stray = sorted({d.year for d in (*extra_holidays, *extra_workdays)} - file_years)
        if stray:
            raise ConfigurationError(f"节假日数据含有未声明覆盖的年份：{'、'.join(map(str, stray))}")
        both = sorted(extra_holidays.keys() & extra_workdays.keys())
        if both:
            raise ConfigurationError(f"{both[0].isoformat()} 不能既是放假日又是调休上班日")
        weekday_workdays = sorted(d for d in extra_workdays if d.weekday() < 5)
        if weekday_workdays:
            raise ConfigurationError(f"调休上班日 {weekday_workdays[0].isoformat()} 不是周六或周日")
        # A loaded year replaces chinese-calendar's data for that year entirely, so the credit
        # office can correct a wrong or changed arrangement without waiting for a library release.
        self._holidays = {d: n for d, n in _BUILTIN_HOLIDAYS.items() if d.year not in file_years}
        self._holidays.update(extra_holidays)
        self._workdays = {d: n for d, n in _BUILTIN_WORKDAYS.items() if d.year not in file_years}
        self._workdays.update(extra_workdays)
        self._covered = BUILTIN_YEARS | file_years
        self._fallback = weekends_fallback
        self._tables: dict[int, list[int]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_holiday_years(
        cls, years: Iterable[HolidayYear], weekends_fallback: bool = False
    ) -> WorkingCalendar:
        """Build a calendar from loaded holiday files; two files for one year are refused."""
        holidays: dict[date, str] = {}
        workdays: dict[date, str] = {}
        seen: dict[int, HolidayYear] = {}
        for item in years:
            if item.year in seen:
                first, second = seen[item.year].path, item.path
                raise ConfigurationError(
                    f"{item.year} 年的节假日安排重复：{first.name if first else '?'} 与 "
                    f"{second.name if second else '?'}，请只保留一个文件"
                )
            seen[item.year] = item
            holidays.update(item.holidays)
            workdays.update(item.workdays)
        overridden = sorted(set(seen) & BUILTIN_YEARS)
        if overridden:
            log.info("节假日文件覆盖了内置数据的年份：%s", "、".join(map(str, overridden)))
        return cls(holidays, workdays, set(seen), weekends_fallback=weekends_fallback)

    @property
    def covered_years(self) -> frozenset[int]:
        """Years with a known holiday arrangement (bundled or loaded)."""
        return self._covered

    @property
    def weekends_fallback(self) -> bool:
        """Whether unknown years are counted with weekends only instead of refused."""
        return self._fallback

    def is_working_day(self, d: date) -> bool:
        """Return whether ``d`` is a working day."""
        day = _as_date(d)
        table = self._table(day.year)
        i = bisect_left(table, day.toordinal())
        return i < len(table) and table[i] == day.toordinal()

    def holiday_name(self, d: date) -> str | None:
        """Return the public holiday's name for ``d``, or None (plain weekends have no name)."""
        day = _as_date(d)
        self._table(day.year)
        return self._holidays.get(day)

    def add_working_days(self, d: date, n: int) -> date:
        """Return the n-th working day strictly after ``d`` (before it when n < 0)."""
        day = _as_date(d)
        if isinstance(n, bool) or not isinstance(n, int):
            raise InvalidInput(f"工作日天数必须是整数，收到：{n!r}")
        # n == 0 asks for "d itself, as a working day": a date that falls on a rest day rolls
        # forward to the next working day, the earliest day anything can be done on it.
        if n == 0:
            if self.is_working_day(day):
                return day
            n = 1
        year = day.year
        table = self._table(year)
        if n > 0:
            target = bisect_right(table, day.toordinal()) + n - 1
            while target >= len(table):
                target -= len(table)
                year += 1
                table = self._table(year)
        else:
            target = bisect_left(table, day.toordinal()) + n
            while target < 0:
                year -= 1
                table = self._table(year)
                target += len(table)
        return date.fromordinal(table[target])

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days in (start, end]; negative when end is before start."""
        first, last = _as_date(start), _as_date(end)
        if last < first:
            return -self.working_days_between(last, first)
        if last == first:
            return 0
        lo_ord, hi_ord = first.toordinal() + 1, last.toordinal()
        lo_year = date.fromordinal(lo_ord).year
        count = 0
        for year in range(lo_year, last.year + 1):
            table = self._table(year)
            lo = bisect_left(table, lo_ord) if year == lo_year else 0
            hi = bisect_right(table, hi_ord) if year == last.year else len(table)
            count += hi - lo
        return count

    def _table(self, year: int) -> list[int]:
        """Return the sorted ordinals of the working days of ``year``, checking it is known."""
        table = self._tables.get(year)
        if table is not None:
            return table
        if not 1 <= year <= 9999:
            raise InvalidInput(f"日期超出可计算范围：{year} 年")
        with self._lock:
            table = self._tables.get(year)
            if table is not None:
                return table
            if year not in self._covered:
                if not self._fallback:
                    raise CalendarError(year)
                # Warned once per year: the table is cached, so this branch runs once.
                log.warning(
                    "%d 年的法定节假日安排尚未导入，已按配置仅将周六、周日视为休息日；%s",
                    year,
                    LOAD_HINT,
                )
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            table = [o for o in range(first, last + 1) if self._classify(date.fromordinal(o))]
            self._tables[year] = table
            return table

    def _classify(self, day: date) -> bool:
        """Return whether ``day`` works, from the loaded data and the weekday."""
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < 5


def _as_date(value: date) -> date:
    """Return a plain date, dropping the time of a datetime."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise InvalidInput(f"需要日期，收到：{value!r}")


class _FileParser(NodeReader):
    """Walk the composed YAML of one holiday file; refusals are YamlSourceErrors with their line."""

    def __init__(self, path: Path, text: str) -> None:
        super().__init__(text)
        self.path = path

    def parse(self, root: yaml.Node | None) -> HolidayYear:
        """Return the validated HolidayYear of the file."""
        if root is None:
            raise YamlSourceError("文件为空，应包含 year 和 holidays", 1)
        if not isinstance(root, yaml.MappingNode):
            self.fail(root, "顶层应为键值映射（year、source、holidays、workdays）")
        fields = self.mapping(root, _TOP_KEYS, quote=False)
        if "year" not in fields:
            self.fail(root, "缺少 year 字段（年份，例如 year: 2027）")
        year = self.value(fields["year"])
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2199:
            self.fail(fields["year"], f"year 应为四位数年份，收到：{year!r}", fields["year"])
        source = ""
        if "source" in fields:
            raw = self.value(fields["source"])
            if raw is not None and not isinstance(raw, str):
                self.fail(fields["source"], "source 应为文字（放假通知的名称和文号）", fields["source"])
            source = (raw or "").strip()
        holidays = self.entries(fields.get("holidays"), year, workday=False)
        if not holidays:
            self.fail(fields.get("holidays", root), "holidays 不能为空：每年至少有元旦、春节等法定节假日")
        workdays = self.entries(fields.get("workdays"), year, workday=True)
        for day, (_, node) in workdays.items():
            if day in holidays:
                line = line_of(holidays[day][1])
                self.fail(node, f"{day.isoformat()} 既是放假日（第 {line} 行）又是调休上班日", node)
        return HolidayYear(
            year=year,
            holidays={d: name for d, (name, _) in holidays.items()},
            workdays={d: name for d, (name, _) in workdays.items()},
            source=source,
            path=self.path,
        )

    def day(self, node: yaml.Node, year: int, entry: yaml.Node) -> date:
        """Return the date of a scalar node, which must fall in ``year``."""
        raw = self.value(node)
        if isinstance(raw, str):
            try:
                raw = date.fromisoformat(raw.strip())
            except ValueError:
                self.fail(node, f"日期格式应为 YYYY-MM-DD，收到：{raw!r}", entry)
        if isinstance(raw, datetime) or not isinstance(raw, date):
            self.fail(node, f"日期格式应为 YYYY-MM-DD（不含时间），收到：{raw!r}", entry)
        if raw.year != year:
            self.fail(node, f"日期 {raw.isoformat()} 不在 {year} 年内", entry)
        return raw

    def entries(
        self, node: yaml.Node | None, year: int, workday: bool
    ) -> dict[date, tuple[str, yaml.Node]]:
        """Return the dates of a holidays or workdays list with their names and entry nodes."""
        section = "workdays" if workday else "holidays"
        if node is None or (isinstance(node, yaml.ScalarNode) and self.value(node) is None):
            return {}
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{section} 应为列表，{_ENTRY_SHAPE}")
        result: dict[date, tuple[str, yaml.Node]] = {}
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                self.fail(item, f"{section} 的{_ENTRY_SHAPE}", item)
            fields = self.mapping(item, _ENTRY_KEYS)
            name = self.name(fields, item, required=not workday)
            for day in self.span(fields, item, year):
                if workday and day.weekday() < 5:
                    self.fail(
                        item,
                        f"调休上班日 {day.isoformat()} 是星期{_WEEKDAY_NAMES[day.weekday()]}；"
                        "只有周六、周日上班才需登记为调休上班日",
                        item,
                    )
                if day in result:
                    line = line_of(result[day][1])
                    self.fail(item, f"日期 {day.isoformat()} 重复（另见第 {line} 行）", item)
                result[day] = (name, item)
        return result

    def name(self, fields: dict[str, yaml.Node], item: yaml.Node, required: bool) -> str:
        """Return the entry's name, which holidays must have."""
        if "name" not in fields:
            if required:
                self.fail(item, "缺少 name（节日名称，例如 春节）", item)
            return _DEFAULT_WORKDAY_NAME
        raw = self.value(fields["name"])
        if not isinstance(raw, str) or not raw.strip():
            self.fail(fields["name"], "name 应为非空文字", item)
        return raw.strip()

    def span(self, fields: dict[str, yaml.Node], item: yaml.Node, year: int) -> list[date]:
        """Return the dates of one entry: a single date or an inclusive from/to range."""
        if "date" in fields:
            if "from" in fields or "to" in fields:
                self.fail(item, "date 与 from/to 不能同时使用", item)
            return [self.day(fields["date"], year, item)]
        if "from" not in fields or "to" not in fields:
            self.fail(item, "应有 date，或同时有 from 和 to", item)
        start = self.day(fields["from"], year, item)
        end = self.day(fields["to"], year, item)
        if start > end:
            self.fail(item, f"起始日期 {start.isoformat()} 晚于结束日期 {end.isoformat()}", item)
        return [date.fromordinal(o) for o in range(start.toordinal(), end.toordinal() + 1)]


def load_holiday_file(path: str | Path) -> HolidayYear:
    """Read and validate one holiday file (see data/holidays/2027.example.yaml for the format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"节假日文件 {path.name} 不存在：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"节假日文件 {path.name} 无法读取（应为 UTF-8 编码的 YAML）：{exc}") from None
    try:
        return _FileParser(path, text).parse(compose(text))
    except YamlSyntaxError as exc:
        raise InvalidInput(f"节假日文件 {path.name} 第 {exc.line or 1} 行：YAML 格式错误（{exc.detail}）") from None
    except YamlSourceError as exc:
        raise InvalidInput(f"节假日文件 {path.name} 第 {exc.line} 行：{exc.problem}") from None


def default_calendar(
    holiday_dir: Path | None = None, weekends_fallback: bool = False
) -> WorkingCalendar:
    """Build a calendar from chinese-calendar plus every ``*.yaml`` in holiday_dir but examples."""
    directory = HOLIDAY_DIR if holiday_dir is None else Path(holiday_dir)
    if not directory.is_dir():
        if holiday_dir is not None:
            raise ConfigurationError(f"节假日文件目录不存在：{directory}")
        files: list[Path] = []
    else:
        files = sorted(p for p in directory.glob("*.yaml") if not p.name.endswith(EXAMPLE_SUFFIX))
    years = []
    for file in files:
        try:
            years.append(load_holiday_file(file))
        except InvalidInput as exc:
            # A broken file in the configured directory must stop deadline counting, not be skipped.
            raise ConfigurationError(exc.message) from exc
    return WorkingCalendar.from_holiday_years(years, weekends_fallback=weekends_fallback)


@lru_cache(maxsize=1)
def get_default_calendar() -> WorkingCalendar:
    """Return the cached calendar: chinese-calendar plus the configured holiday directory."""
    from xinyong.config import get_settings

    settings = get_settings()
    directory = settings.holiday_dir if settings.holiday_dir.is_dir() else None
    return default_calendar(directory, settings.calendar_weekends_fallback)


def reset_default_calendar() -> None:
    """Forget the cached default calendar, e.g. after a holiday file was loaded."""
    get_default_calendar.cache_clear()


def add_working_days(d: date, n: int, calendar: WorkingCalendar | None = None) -> date:
    """Add working days on ``calendar``, or on the cached default calendar if none is given."""
    return (calendar or get_default_calendar()).add_working_days(d, n)
