"""Report verification API: GET /api/v1/reports/{number}/verify (stable interface)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile

from xinyong.reports import service
from xinyong.reports.schemas import ReportVerificationOut, checked_by
from xinyong.web import DbSession

router = APIRouter(tags=["信用报告"])
MISMATCH = {409: {"description": "文件、哈希或校验码与所登记的报告不一致（report_mismatch）"}}
NumberPath = Annotated[str, Path(max_length=40, description="报告编号，如 XY20261206ABCD2345")]


@router.get("/reports/{number}/verify", response_model=ReportVerificationOut, responses=MISMATCH)
def verify(
    session: DbSession, number: NumberPath,
    sha256: Annotated[str | None, Query(max_length=64, description="报告 PDF 文件的 SHA-256（十六进制）")] = None,
    code: Annotated[str | None, Query(max_length=16, description="报告上印制的校验码")] = None,
) -> ReportVerificationOut:
    """核验信用报告：报告编号须为本平台出具，且文件哈希或校验码与登记一致。编号不存在返回 404。"""
    report = service.verify_report(session, number, sha256=sha256, code=code)
    return ReportVerificationOut.of(report, checked_by(None, sha256))


@router.post("/reports/{number}/verify", response_model=ReportVerificationOut, responses=MISMATCH)
def verify_file(session: DbSession, number: NumberPath,
                file: Annotated[UploadFile, File(description="报告 PDF 文件")]) -> ReportVerificationOut:
    """上传报告 PDF 文件核验其是否为本平台出具的原件、是否被改动。"""
    body = service.read_upload(file.file)
    report = service.verify_report(session, number, file=body)
    return ReportVerificationOut.of(report, "file")
