"""The repair rules file: shipped sets, selection by date, malformed files refused with file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.repairs.builders import CAL, EVIDENCE, penalised, record_application
from xinyong.repairs import service
from xinyong.repairs.errors import InvalidRepair, RepairRulesError
from xinyong.repairs.rules import load_rules, parse_rules_text, rule_set_on, shipped_rules

SHIPPED = Path(__file__).parents[2] / "src" / "xinyong" / "repairs" / "data" / "repair_rules.yaml"


def test_shipped_rules_cover_2023_and_2026_with_the_issue_minimum_periods():
    sets = shipped_rules()
    assert [s.effective_on for s in sets] == [dt.date(2023, 5, 1), dt.date(2026, 4, 1)]
    assert [s.document for s in sets] == ["国家发展改革委令2023年第58号", "国家发展改革委令2025年第36号"]
    for s in sets:
        assert (s.classes["一般"].min_months, s.classes["严重"].min_months) == (3, 12)
        assert not s.classes["轻微"].repairable and s.exclusion_for("sxbzxr") is not None
        assert (s.accept_working_days, s.decide_working_days) == (3, 10)


@pytest.mark.parametrize("day, document", [
    (dt.date(2026, 3, 31), "国家发展改革委令2023年第58号"), (dt.date(2026, 4, 1), "国家发展改革委令2025年第36号"),
    (dt.date(2023, 5, 1), "国家发展改革委令2023年第58号"),
])
def test_rule_set_in_force_on_a_day(day, document):
    assert rule_set_on(day).document == document


def test_before_the_first_rule_set_there_is_no_rule():
    with pytest.raises(RepairRulesError, match="尚无生效"):
        rule_set_on(dt.date(2023, 4, 30))


def _broken(old: str, new: str) -> str:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize("old, new, problem", [
    ("    一般:\n      repairable: true\n      min_months: 3\n", "    一般:\n      repairable: true\n", "min_months"),
    ("  accept_working_days: 3\n", "  accept_working_days: three\n", "accept_working_days"),
    ("  deadline_article:", "  deadline_articel: x\n  deadline_article:", "deadline_articel"),
    ("    轻微:\n", "    微小:\n", "微小"),
    ("- effective_on: 2026-04-01", "- effective_on: 2023-05-01", "重复"),
])
def test_malformed_rules_are_refused_with_file_and_line(old, new, problem):
    with pytest.raises(RepairRulesError) as err:
        parse_rules_text(_broken(old, new), "repair_rules.yaml")
    assert problem in err.value.message and "repair_rules.yaml 第" in err.value.message


def test_a_class_missing_from_a_set_is_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(_broken("    轻微:\n      repairable: false\n      reason: 轻微失信行为的行政处罚信息不予公示，无需申请信用修复\n"
                            "      article: 第十一条（条文序号待核）\n", ""), encoding="utf-8")
    with pytest.raises(RepairRulesError, match="缺少：轻微"):
        load_rules(path)


def test_a_rule_requiring_a_credit_report_and_training_asks_for_them(session, keyring, settings):
    strict = parse_rules_text(_broken("      min_months: 3\n      credit_report: false\n      training: false\n",
                                      "      min_months: 3\n      credit_report: true\n      training: true\n"),
                              "strict.yaml")
    files = settings
    _, subject, record = penalised(session, keyring, decided=dt.date(2023, 6, 1))
    day = dt.date(2024, 1, 8)
    with pytest.raises(InvalidRepair, match="信用报告"):
        service.submit(session, keyring, files, CAL, record_application(record, subject), EVIDENCE, submitted_on=day,
                       rules=strict)
    with pytest.raises(InvalidRepair, match="培训"):
        service.submit(session, keyring, files, CAL, record_application(record, subject, credit_report_number="XY-1"),
                       EVIDENCE, submitted_on=day, rules=strict)
    app = service.submit(session, keyring, files, CAL, record_application(
        record, subject, credit_report_number="XY-1", training_certificate="PX-2"), EVIDENCE, submitted_on=day,
        rules=strict)
    assert app.credit_report_number == "XY-1" and app.training_certificate == "PX-2"
