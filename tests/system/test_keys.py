"""Encryption keys: never silently replaced, wrong or missing keys stop the platform."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from tests.conftest import drop_pg_database, empty_database_url
from xinyong.config import Settings
from xinyong.crypto import Keyring, KeyringError
from xinyong.system.models import SystemValue
from xinyong.system.service import KEY_CHECK, load_keyring


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(key_file=tmp_path / "xinyong.key", **kw)


def test_right_key_is_accepted(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    (tmp_path / "xinyong.key").write_text(keyring.to_json())
    assert load_keyring(session, _settings(tmp_path)) == keyring


def test_master_key_variable_overrides_the_file(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    (tmp_path / "xinyong.key").write_text(Keyring.generate().to_json())
    assert load_keyring(session, _settings(tmp_path, master_key=keyring.to_json())) == keyring


def test_missing_key_with_encrypted_data_stops_and_creates_nothing(session: Session, tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="切勿生成新密钥"):
        load_keyring(session, _settings(tmp_path), create=True)
    assert not (tmp_path / "xinyong.key").exists()


def test_wrong_key_stops(session: Session, tmp_path: Path) -> None:
    (tmp_path / "xinyong.key").write_text(Keyring.generate().to_json())
    with pytest.raises(KeyringError, match="不匹配"):
        load_keyring(session, _settings(tmp_path), create=True)


@pytest.mark.parametrize("content", ["not json", '{"version": 1}', '{"version": 2, "encryption_key": "", '
                                     '"lookup_key": "", "session_key": ""}',
                                     '{"version": 1, "encryption_key": "AAAA", "lookup_key": "AAAA", "session_key": "AAAA"}'])
def test_malformed_key_file_stops(session: Session, tmp_path: Path, content: str) -> None:
    (tmp_path / "xinyong.key").write_text(content)
    with pytest.raises(KeyringError, match="密钥"):
        load_keyring(session, _settings(tmp_path))


def test_first_start_creates_a_private_key_file(session: Session, tmp_path: Path) -> None:
    session.execute(delete(SystemValue).where(SystemValue.name == KEY_CHECK))
    with pytest.raises(KeyringError, match="db upgrade"):
        load_keyring(session, _settings(tmp_path))
    created = load_keyring(session, _settings(tmp_path), create=True)
    key_file = tmp_path / "xinyong.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Keyring.from_json(key_file.read_text(), "k") == created
    assert created.matches(session.get(SystemValue, KEY_CHECK).value)


@pytest.fixture()
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    url = empty_database_url(backend, tmp_path)
    yield url
    if backend == "postgresql":
        drop_pg_database(url)


def _cli(args: list[str], url: str, key_file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(key_file)}
    return subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=key_file.parent)


def test_db_upgrade_never_overwrites_a_lost_key(fresh_url: str, tmp_path: Path) -> None:
    key_file = tmp_path / "xinyong.key"
    first = _cli(["db", "upgrade"], fresh_url, key_file)
    assert first.returncode == 0, first.stderr
    original = key_file.read_text()
    again = _cli(["db", "upgrade"], fresh_url, key_file)
    assert again.returncode == 0 and key_file.read_text() == original
    key_file.unlink()
    lost = _cli(["db", "upgrade"], fresh_url, key_file)
    assert lost.returncode == 1
    assert "找不到密钥文件" in lost.stderr and "Traceback" not in lost.stderr
    assert not key_file.exists()
    key_file.write_text(Keyring.generate().to_json())
    wrong = _cli(["demo", "--subjects", "10"], fresh_url, key_file)
    assert wrong.returncode == 1 and "不匹配" in wrong.stderr
