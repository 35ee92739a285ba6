"""An approved credit repair appears in the report's repair section, and the repaired record leaves it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy.orm import Session

from tests.lists.builders import CREDIT_OFFICE
from tests.repairs.builders import TODAY, apply, penalised, record_application
from tests.reports.conftest import pdf_text
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.repairs import decisions
from xinyong.reports import service


def test_approved_repair_is_listed(session: Session, keyring: Keyring, settings: Settings, tmp_path: Path) -> None:
    settings = settings.model_copy(update={"attachment_dir": tmp_path / "files"})
    _, subject, record = penalised(session, keyring, name="漳州市修复报告测试有限公司")
    before = pdf_text(service.issue_report(session, settings, subject, issued_by="t", channel="cli").pdf)
    assert record.document_number in before and re.search(r"七、信用修复信息\s*无", before)
    app = apply(session, keyring, settings, record_application(record, subject))
    decisions.accept(session, CREDIT_OFFICE, app, today=TODAY)
    decisions.approve(session, CREDIT_OFFICE, app, today=TODAY + dt.timedelta(days=1))
    session.flush()
    after = pdf_text(service.issue_report(session, settings, subject, issued_by="t", channel="cli").pdf)
    repairs = after[after.index("七、信用修复信息"):]
    assert app.target_label[:12] in repairs.replace("\n", "")
    assert not re.search(r"七、信用修复信息\s*无", after)
    penalties = after[after.index("三、行政处罚信息"):after.index("四、其他公示信息")]
    assert record.document_number not in penalties.replace("\n", "")
