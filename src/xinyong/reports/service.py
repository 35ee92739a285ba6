"""Issuing credit reports and verifying them afterwards."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from xinyong import codes
from xinyong.audit.service import record_event
from xinyong.config import Settings
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.errors import XinyongError
from xinyong.reports import content, pdf, repository
from xinyong.reports.errors import BadVerificationInput, ReportMismatch, ReportNotFound
from xinyong.reports.models import CreditReport
from xinyong.subjects import service as subjects_service
from xinyong.subjects.errors import SubjectNotFound
from xinyong.subjects.models import Subject

# No 0/O, 1/I/L: numbers and codes are read off paper and typed in by hand.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
NUMBER_PATTERN = re.compile(r"^XY\d{8}[2-9A-HJKMNP-Z]{8}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
VERIFY_PATH = "/reports/verify"
UPLOAD_MAX_BYTES = 20 * 1024 * 1024  # a report is tens of kilobytes; anything far larger is not one


@dataclass(frozen=True)
class IssuedReport:
    """The stored issuance and the file handed out."""

    report: CreditReport
    pdf: bytes


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_number(session: Session) -> str:
    """An unused report number: XY + issue date + 8 random characters (unguessable, so not enumerable)."""
    while True:
        number = f"XY{utcnow().astimezone(content.BEIJING):%Y%m%d}{_random(8)}"
        if not repository.number_taken(session, number):
            return number


def verify_url(settings: Settings, number: str, code: str) -> str:
    """Portal page that checks this report; what the QR code holds."""
    return f"{settings.public_base_url.rstrip('/')}{VERIFY_PATH}?{urlencode({'number': number, 'code': code})}"


def _resident_id(text: str) -> str | None:
    try:
        return codes.validate_document(codes.DocumentType.RESIDENT_ID, text)
    except XinyongError:
        return None


def find_subject(session: Session, keyring: Keyring, code: str) -> Subject:
    """The subject of a report: an organisation by 统一社会信用代码, or a person by 公民身份号码."""
    text = (code or "").strip().upper()
    number = _resident_id(text) if len(text) == 18 and text[:17].isdigit() else None
    if number is not None:  # an all-digit code can be valid as both kinds: try the person first
        person = subjects_service.find_person(session, keyring, codes.DocumentType.RESIDENT_ID, number)
        if person is not None:
            return person
        try:
            codes.validate_uscc(text)
        except XinyongError:
            raise SubjectNotFound("未找到该公民身份号码对应的自然人") from None
    return subjects_service.get_organisation(session, text)


def issue_report(session: Session, settings: Settings, subject: Subject, *, issued_by: str, channel: str) -> IssuedReport:
    """Build the public edition of a subject's report, store its fingerprint and audit the issue."""
    font = pdf.resolve_font(settings.report_font_path, settings.report_font_index)
    cutoff = utcnow()
    number, code = new_number(session), _random(6)
    issuer = f"{settings.region_name}{settings.platform_name}"
    body = pdf.render(content.gather(session, subject, cutoff),
                      pdf.Issue(number, code, content.local_time(cutoff), issuer, verify_url(settings, number, code)),
                      font)
    report = CreditReport(number=number, verification_code=code, subject_id=subject.id, edition="public",
                          channel=channel, issued_by=issued_by, issued_at=cutoff, data_cutoff_at=cutoff,
                          content_sha256=hashlib.sha256(body).hexdigest(), size=len(body))
    session.add(report)
    session.flush()
    record_event(session, actor=issued_by, action="report.issued", entity_type="credit_report", entity_id=number,
                 detail={"subject_id": subject.id, "channel": channel, "sha256": report.content_sha256})
    return IssuedReport(report, body)


def find_report(session: Session, number: str) -> CreditReport:
    """An issued report by number, or a 404 in Chinese."""
    cleaned = (number or "").strip().upper()
    report = repository.get_by_number(session, cleaned) if NUMBER_PATTERN.match(cleaned) else None
    if report is None:
        raise ReportNotFound(f"未找到编号为 {cleaned[:40] or '（空）'} 的信用报告：本平台未出具过该编号的报告，请核对报告编号")
    return report


def read_upload(stream: BinaryIO) -> bytes:
    """An uploaded report file, refused when it cannot be a report."""
    body = stream.read(UPLOAD_MAX_BYTES + 1)
    if len(body) > UPLOAD_MAX_BYTES:
        raise BadVerificationInput(f"上传的文件超过 {UPLOAD_MAX_BYTES // (1024 * 1024)} MB，不是本平台出具的信用报告")
    if not body:
        raise BadVerificationInput("上传的文件是空的，请选择信用报告 PDF 文件")
    return body


def verify_report(session: Session, number: str, *, sha256: str | None = None, file: bytes | None = None,
                  code: str | None = None) -> CreditReport:
    """Confirm that this number was issued and that the file, its sha256 or the code belongs to it."""
    report = find_report(session, number)
    if file is not None:
        sha256 = hashlib.sha256(file).hexdigest()
    if sha256 is not None:
        sha256 = sha256.strip().lower()
        if not SHA256_PATTERN.match(sha256):
            raise BadVerificationInput("文件哈希应为 64 位十六进制 SHA-256 值")
        if not secrets.compare_digest(sha256, report.content_sha256):
            raise ReportMismatch(f"核验未通过：所提供的文件与编号 {report.number} 的信用报告不一致，"
                                 "文件可能被篡改，或并非本平台出具的原件")
        return report
    if code is not None and code.strip():
        if not secrets.compare_digest(code.strip().upper().encode(), report.verification_code.encode()):
            raise ReportMismatch(f"核验未通过：校验码与编号 {report.number} 的信用报告不符")
        return report
    raise BadVerificationInput("请上传报告文件，或填写报告文件的 SHA-256 值或报告上的校验码")
