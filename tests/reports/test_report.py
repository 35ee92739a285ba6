"""Credit report content: sections, only records on display, masking, numbering, the embedded font."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_resident_id
from tests.records import builders
from tests.reports.conftest import Reported, pdf_text
from xinyong.audit.models import AuditEvent
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.errors import XinyongError
from xinyong.reports import service
from xinyong.reports.errors import ReportFontMissing

SECTIONS = ("一、基本信息", "二、行政许可信息", "三、行政处罚信息", "四、其他公示信息", "五、信用名单信息",
            "六、信用承诺信息", "七、信用修复信息")


def test_report_has_every_section_and_only_records_on_display(session: Session, settings: Settings,
                                                               reported: Reported) -> None:
    issued = service.issue_report(session, settings, reported.company, issued_by="tester", channel="cli")
    text = pdf_text(issued.pdf)
    for title in SECTIONS:
        assert title in text
    for shown in reported.shown:
        assert shown in text
    for hidden in reported.hidden:
        assert hidden not in text
    assert reported.company.name in text and reported.company.uscc in text
    assert issued.report.number in text and issued.report.verification_code in text
    assert "信用报告" in text and "数据截止时间" in text and f"{settings.region_name}{settings.platform_name}" in text
    assert re.search(r"六、信用承诺信息\s*无", text)


def test_issue_is_stored_and_audited(session: Session, settings: Settings, reported: Reported) -> None:
    issued = service.issue_report(session, settings, reported.company, issued_by="user:7", channel="portal")
    stored = service.find_report(session, issued.report.number)
    assert stored.subject_id == reported.company.id and stored.issued_by == "user:7" and stored.channel == "portal"
    assert stored.size == len(issued.pdf) and stored.data_cutoff_at == stored.issued_at
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.issued",
                                                     AuditEvent.entity_id == stored.number)).one()
    assert event.detail["sha256"] == stored.content_sha256 and event.actor == "user:7"


def test_font_is_embedded_as_a_subset(session: Session, settings: Settings, reported: Reported) -> None:
    reader = PdfReader(io.BytesIO(service.issue_report(session, settings, reported.company, issued_by="t",
                                                       channel="cli").pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), "subset fonts are named XXXXXX+Name"
        assert any(k in descriptor for k in ("/FontFile2", "/FontFile3")), "font program embedded"


def test_person_report_masks_name_and_document_number(session: Session, settings: Settings,
                                                      keyring: Keyring) -> None:
    dept = builders.department(session)
    number = make_resident_id("350602", "19800315")
    builders.submit(session, keyring, dept, [builders.penalty(dept, name="欧阳明华", person_id=number)])
    session.flush()
    person = service.find_subject(session, keyring, number)
    text = pdf_text(service.issue_report(session, settings, person, issued_by="t", channel="cli").pdf)
    assert "欧**华" in text and "欧阳明华" not in text
    assert f"{number[:4]}**********{number[-4:]}" in text and number not in text
    assert "三、行政处罚信息" in text


def test_numbers_are_unique_and_unguessable(session: Session, settings: Settings, reported: Reported) -> None:
    numbers = [service.issue_report(session, settings, reported.company, issued_by="t", channel="cli").report.number
               for _ in range(12)]
    assert len(set(numbers)) == len(numbers)
    assert all(service.NUMBER_PATTERN.match(n) for n in numbers)


def test_missing_font_is_a_clear_chinese_error(session: Session, settings: Settings, reported: Reported,
                                               tmp_path: Path) -> None:
    broken = settings.model_copy(update={"report_font_path": tmp_path / "没有这个字体.ttc"})
    with pytest.raises(ReportFontMissing) as caught:
        service.issue_report(session, broken, reported.company, issued_by="t", channel="cli")
    assert "没有这个字体.ttc" in caught.value.message and "fonts-noto-cjk" in caught.value.message


@pytest.mark.parametrize("code", ["", "91350000000000000X", "350602198003150000", "'; DROP TABLE subject; --"])
def test_unknown_or_malformed_subject_is_refused(session: Session, keyring: Keyring, code: str) -> None:
    with pytest.raises(XinyongError) as caught:
        service.find_subject(session, keyring, code)
    assert caught.value.status in (404, 422) and caught.value.message
