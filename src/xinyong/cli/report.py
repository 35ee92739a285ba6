"""xinyong report: issue a subject's credit report as a PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xinyong.cli.common import CLI_ACTOR, console, handle_errors, keyring_for, session_scope, settings
from xinyong.errors import InvalidInput
from xinyong.reports import service


@handle_errors
def report(
    code: Annotated[str, typer.Argument(help="统一社会信用代码，或自然人的公民身份号码")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出的 PDF 文件")],
) -> None:
    """出具主体的信用报告（公开版 PDF），登记报告编号和文件指纹以供核验。"""
    if output.suffix.lower() != ".pdf":
        raise InvalidInput(f"输出文件应以 .pdf 结尾：{output}")
    if not output.parent.is_dir():
        raise InvalidInput(f"输出目录不存在：{output.parent}")
    with session_scope() as session:
        subject = service.find_subject(session, keyring_for(session), code)
        issued = service.issue_report(session, settings(), subject, issued_by=CLI_ACTOR, channel="cli")
    output.write_bytes(issued.pdf)  # only once the issue is committed, so every file handed out verifies
    console.print(f"已出具信用报告 {issued.report.number}（校验码 {issued.report.verification_code}）：{output}"
                  f"，{issued.report.size} 字节，SHA-256 {issued.report.content_sha256}")
