"""Report verification as the API answers it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from xinyong.reports.content import public_code, public_name
from xinyong.reports.models import CreditReport

CHANNEL_LABELS = {"cli": "信用办（命令行）", "portal": "门户网站", "api": "接口"}


class ReportVerificationOut(BaseModel):
    """A report confirmed as issued by this platform, with what was checked."""

    number: str = Field(description="报告编号")
    valid: bool = Field(True, description="核验通过")
    checked: str = Field(description="核验方式：file（报告文件）、sha256（文件哈希）或 code（校验码）")
    subject_name: str = Field(description="报告主体（自然人已脱敏）")
    subject_code: str = Field(description="统一社会信用代码，或脱敏的证件号码")
    edition: str = Field(description="版本：public 公开版")
    issued_at: dt.datetime = Field(description="出具时间（UTC）")
    data_cutoff_at: dt.datetime = Field(description="数据截止时间（UTC）")
    issued_by: str = Field(description="出具人（操作账号或渠道）")
    channel: str = Field(description="出具渠道：cli、portal 或 api")
    channel_label: str = Field(description="出具渠道（中文）")
    content_sha256: str = Field(description="所出具 PDF 文件的 SHA-256")
    size: int = Field(description="所出具 PDF 文件的字节数")

    @classmethod
    def of(cls, report: CreditReport, checked: str) -> ReportVerificationOut:
        """Build from a stored report."""
        return cls(number=report.number, checked=checked, subject_name=public_name(report.subject),
                   subject_code=public_code(report.subject), edition=report.edition, issued_at=report.issued_at,
                   data_cutoff_at=report.data_cutoff_at, issued_by=report.issued_by, channel=report.channel,
                   channel_label=CHANNEL_LABELS.get(report.channel, report.channel),
                   content_sha256=report.content_sha256, size=report.size)


def checked_by(file: bytes | None, sha256: str | None) -> str:
    """Which evidence a verification used."""
    return "file" if file is not None else "sha256" if sha256 else "code"
