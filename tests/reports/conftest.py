"""A company and a person with public and no-longer-public records, for report tests."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from tests.records import builders
from xinyong.crypto import Keyring
from xinyong.subjects.models import Subject
from xinyong.subjects.repository import get_by_uscc


@dataclass(frozen=True)
class Reported:
    """What the report of `company` must and must not show."""

    company: Subject
    shown: tuple[str, ...]
    hidden: tuple[str, ...]


def pdf_text(body: bytes) -> str:
    """All text of a PDF, as a reader would copy it (poppler's pdftotext, from scripts/setup-tests.sh).

    Not pypdf: it does not apply the embedded encoding CMap that CID-keyed CFF fonts such as Noto Sans CJK
    use, and returns NULs between characters; poppler, pdf.js and Chromium read the same file correctly.
    """
    assert shutil.which("pdftotext"), "pdftotext 未安装：请运行 scripts/setup-tests.sh（安装 poppler-utils）"
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=body, capture_output=True,
                          check=True).stdout.decode("utf-8")


@pytest.fixture()
def reported(session: Session, keyring: Keyring) -> Reported:
    """A company with a live penalty, a live licence and a penalty whose display period has ended."""
    dept = builders.department(session)
    uscc = make_uscc()
    name = "漳州市鑫达报告测试有限公司"
    today = dt.date.today()
    live, old = f"漳市监罚〔{today.year}〕9001号", "漳市监罚〔2019〕9002号"
    licence = f"漳市监许〔{today.year}〕9003号"
    builders.submit(session, keyring, dept, [
        builders.penalty(dept, name=name, uscc=uscc, number=live, CF_NR="罚款人民币八千元"),
        builders.penalty(dept, name=name, uscc=uscc, number=old, decided=dt.date(2019, 3, 1)),
    ])
    builders.submit(session, keyring, dept, [builders.licence(dept, name=name, uscc=uscc, number=licence)],
                    catalog="xzxk")
    session.flush()
    company = get_by_uscc(session, uscc)
    assert company is not None
    return Reported(company, shown=(live, licence, "罚款人民币八千元", dept.name), hidden=(old,))
