"""Demo data: deterministic, valid codes, and no plain ID number stored anywhere."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import codes
from xinyong.crypto import Keyring
from xinyong.demo.generator import DemoGenerator, org_code_check
from xinyong.demo.service import generate_demo
from xinyong.errors import Conflict, InvalidInput
from xinyong.records.models import CreditRecord
from xinyong.subjects.models import Subject
from xinyong.subjects.service import reveal_document_number
from xinyong.subjects.states import SubjectKind


def test_same_seed_same_data() -> None:
    def sample(seed: int) -> list[str]:
        gen = DemoGenerator(seed)
        from xinyong.demo import pools

        city = pools.CITIES[0]
        return [gen.company(city).uscc for _ in range(5)] + [gen.person(city).id_number for _ in range(5)]

    assert sample(1) == sample(1)
    assert sample(1) != sample(2)


def test_org_code_check_matches_gb11714_example() -> None:
    # GB 11714 worked example: 组织机构代码 D2143569-X.
    assert org_code_check("D2143569") == "X"


def test_demo_in_database(session: Session, keyring: Keyring) -> None:
    summary = generate_demo(session, keyring, subjects=200, seed=5)
    assert summary.departments == 40 and summary.persons == 70 and summary.organisations == 130
    subjects = session.scalars(select(Subject)).all()
    orgs = [s for s in subjects if s.kind != SubjectKind.NATURAL_PERSON]
    assert all(codes.is_valid_uscc(s.uscc) for s in orgs)
    persons = [s for s in subjects if s.kind == SubjectKind.NATURAL_PERSON]
    numbers = [reveal_document_number(keyring, p) for p in persons]
    assert all(codes.is_valid_resident_id(n) for n in numbers)
    companies = [s for s in orgs if not s.is_agency]
    assert all(s.legal_representative_id is not None for s in companies)
    records = session.scalars(select(CreditRecord)).all()
    assert summary.licences + summary.penalties == len(records) > 0
    penalty = next(r for r in records if r.record_type.code == "xzcf")
    assert penalty.data["CF_XDR_SHXYM"] == penalty.subject.uscc
    assert penalty.severity in {"轻微", "一般", "严重"}
    with pytest.raises(Conflict, match="已经生成过"):
        generate_demo(session, keyring, subjects=200, seed=5)


def test_too_few_subjects_refused(session: Session, keyring: Keyring) -> None:
    with pytest.raises(InvalidInput):
        generate_demo(session, keyring, subjects=3, seed=1)


def test_sqlite_file_holds_no_plain_id_number(tmp_path: Path) -> None:
    db = tmp_path / "xinyong.db"
    env = {**os.environ, "XINYONG_DATABASE_URL": f"sqlite:///{db}", "XINYONG_KEY_FILE": str(tmp_path / "k.key")}
    for args in (["db", "upgrade"], ["demo", "--subjects", "3000", "--seed", "11"]):
        done = subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert "主体/秒" in done.stdout
    keyring = Keyring.from_json((tmp_path / "k.key").read_text(), "k")
    with sqlite3.connect(db) as conn:
        ciphers = [row[0] for row in conn.execute("SELECT document_cipher FROM subject WHERE document_cipher IS NOT NULL")]
        dump = "\n".join(conn.iterdump())
    numbers = [keyring.decrypt(c, "subject.document_number") for c in ciphers]
    assert len(numbers) == 1050
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("xinyong.db*"))
    leaked = [n for n in numbers if n in dump or n.encode() in raw or n[:17].encode() in raw]
    assert leaked == []
