"""`xinyong repairs rules`: the rules in force, a file checked before use, the set for a day; XINYONG_REPAIR_RULES_FILE."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from tests.repairs.builders import apply, penalised, record_application
from tests.repairs.test_rules import SHIPPED
from xinyong.cli.main import app
from xinyong.config import get_settings


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args), env={"COLUMNS": "250", "NO_COLOR": "1", **(env or {})})
    finally:
        get_settings.cache_clear()
    return result.exit_code, result.stdout + result.stderr


def test_rules_lists_both_sets_and_the_one_for_a_day():
    code, out = run("repairs", "rules", "--on", "2026-03-31")
    assert code == 0 and "国家发展改革委令2023年第58号" in out and "国家发展改革委令2025年第36号" in out
    assert "2026-03-31 提交的申请适用：《失信行为纠正后的信用信息修复管理办法（试行）》" in out


def test_a_malformed_file_is_refused_with_file_and_line(tmp_path: Path):
    bad = tmp_path / "my_rules.yaml"
    bad.write_text(SHIPPED.read_text(encoding="utf-8").replace("  decide_working_days: 10\n", "", 1),
                   encoding="utf-8")
    code, out = run("repairs", "rules", str(bad))
    assert code == 1 and "decide_working_days" in out and "my_rules.yaml 第" in out


def test_the_credit_office_file_replaces_the_shipped_rules(tmp_path: Path, session, keyring, settings):
    own = tmp_path / "rules.yaml"
    own.write_text(SHIPPED.read_text(encoding="utf-8").replace("      min_months: 3\n", "      min_months: 6\n"),
                   encoding="utf-8")
    code, out = run("repairs", "rules", env={"XINYONG_REPAIR_RULES_FILE": str(own)})
    assert code == 0 and "满 6 个月" in out and "满 3 个月" not in out
    _, subject, record = penalised(session, keyring, decided=dt.date(2026, 6, 1))
    local = settings.model_copy(update={"repair_rules_file": own})
    app_ = apply(session, keyring, local, record_application(record, subject), on=dt.date(2026, 12, 7))
    assert app_.earliest_on == dt.date(2026, 12, 1)
