"""`xinyong report` and `xinyong audit verify` on a fresh database of each backend."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.cli_support import Cli, upgraded_cli
from tests.factories import make_uscc
from tests.reports.conftest import pdf_text
from xinyong.db import make_engine, make_session_factory
from xinyong.reports import service


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield from upgraded_cli(backend, tmp_path_factory.mktemp("audit-cli"))


def test_report_command_writes_a_verifiable_pdf(cli: Cli, tmp_path: Path) -> None:
    code = make_uscc("11", "350600")
    assert cli.run("departments", "add", code, "漳州市报告测试局")[0] == 0  # every department is also a subject
    out = tmp_path / "报告.pdf"
    status, printed = cli.run("report", code, "-o", str(out))
    assert status == 0, printed
    body = out.read_bytes()
    assert "漳州市报告测试局" in pdf_text(body) and hashlib.sha256(body).hexdigest() in printed.replace("\n", "")
    engine = make_engine(cli.url)
    try:
        with make_session_factory(engine)() as session:
            number = re.search(r"XY\d{8}[0-9A-Z]{8}", printed).group()
            assert service.verify_report(session, number, file=body).issued_by == "cli"
    finally:
        engine.dispose()


@pytest.mark.parametrize("args, message", [
    (("91350000000000000X",), "统一社会信用代码"),
    ((make_uscc(),), "未找到"),
])
def test_report_command_refuses_bad_codes(cli: Cli, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    status, printed = cli.run("report", *args, "-o", str(tmp_path / "r.pdf"))
    assert status == 1 and message in printed and not (tmp_path / "r.pdf").exists()


def test_report_command_refuses_a_bad_output(cli: Cli, tmp_path: Path) -> None:
    status, printed = cli.run("report", make_uscc(), "-o", str(tmp_path / "r.txt"))
    assert status == 1 and ".pdf" in printed
    status, printed = cli.run("report", make_uscc(), "-o", str(tmp_path / "no-such-dir" / "r.pdf"))
    assert status == 1 and "目录不存在" in printed


def test_audit_verify_passes_then_names_the_edited_event(cli: Cli) -> None:
    status, printed = cli.run("audit", "verify")
    assert status == 0 and "审计链完整" in printed
    anchor = re.search(r"(\d+:[0-9a-f]{64})", printed.replace("\n", "")).group(1)
    assert cli.run("audit", "verify", "--anchor", anchor)[0] == 0
    status, printed = cli.run("audit", "verify", "--anchor", "12:abc")
    assert status == 1 and "锚点格式" in printed
    engine = make_engine(cli.url)
    try:
        with engine.begin() as conn:
            seq, original = conn.execute(text("SELECT seq, actor FROM audit_event ORDER BY seq LIMIT 1 OFFSET 3")).one()
            conn.execute(text("UPDATE audit_event SET actor = 'dba' WHERE seq = :s"), {"s": seq})
        status, printed = cli.run("audit", "verify")
        assert status != 0 and "审计链已损坏" in printed and f"序号 {seq}" in printed
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_event SET actor = :a WHERE seq = :s"), {"a": original, "s": seq})
        assert cli.run("audit", "verify")[0] == 0
    finally:
        engine.dispose()
