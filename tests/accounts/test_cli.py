"""The real `xinyong` command line (departments, users, apikeys) against a fresh database of each backend."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import drop_pg_database, empty_database_url
from tests.factories import make_uscc
from xinyong.accounts import repository, service
from xinyong.accounts.errors import InvalidApiKey
from xinyong.accounts.states import ApiKeyStatus, Role
from xinyong.db import make_engine, make_session_factory

PASSWORD = "Jingban#2024"
pytestmark = pytest.mark.slow  # each command is a fresh Python process
KEY_RE = re.compile(r"xy_[A-Za-z0-9_-]{20,}")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Run = Callable[..., Result]


@dataclass
class Cli:
    run: Run
    engine: Engine
    key_file: Path


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """A brand-new database of the backend, upgraded by `xinyong db upgrade`, and a command runner."""
    folder = tmp_path_factory.mktemp("cli")
    url = empty_database_url(backend, folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    env.update(XINYONG_DATABASE_URL=url, XINYONG_KEY_FILE=str(folder / "k.key"), COLUMNS="250",
               NO_COLOR="1", PYTHONIOENCODING="utf-8")

    def run(*args: str) -> Result:
        proc = subprocess.run([sys.executable, "-m", "xinyong.cli.main", *args], env=env, cwd=folder,
                              capture_output=True, text=True, timeout=120)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    engine = make_engine(url)
    try:
        upgraded = run("db", "upgrade")
        assert upgraded.code == 0, upgraded.text
        assert "数据库已升级" in upgraded.out
        yield Cli(run, engine, folder / "k.key")
    finally:
        engine.dispose()
        if backend == "postgresql":
            drop_pg_database(url)


def _ok(result: Result) -> str:
    assert result.code == 0, result.text
    assert "Traceback" not in result.text
    return result.out


def _refused(result: Result, *needles: str) -> str:
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    assert "错误" in result.err
    for needle in needles:
        assert needle in result.err, result.err
    return result.err


def test_upgrade_made_the_key_file_and_is_repeatable(cli: Cli) -> None:
    assert cli.key_file.exists()
    key_text = cli.key_file.read_text()
    assert "数据库已升级" in _ok(cli.run("db", "upgrade"))
    assert cli.key_file.read_text() == key_text  # an existing key is never replaced


def test_department_and_users(cli: Cli) -> None:
    uscc = make_uscc("11")
    assert uscc in _ok(cli.run("departments", "add", uscc, "测试局"))

    out = _ok(cli.run("users", "add", "clerk1", "--role", "department_clerk", "--department", uscc,
                      "--name", "经办人", "--password", PASSWORD))
    assert "clerk1" in out and "部门经办人" in out

    _refused(cli.run("users", "add", "clerk1", "--role", "department_clerk", "--department", uscc,
                     "--name", "另一人", "--password", PASSWORD), "user_exists", "已存在")

    # What the command stored really works: the password logs in and the user is in the department;
    # the refused duplicate changed nothing.
    with make_session_factory(cli.engine)() as session:
        user = service.authenticate(session, "clerk1", PASSWORD)
        assert user.role == Role.DEPARTMENT_CLERK and user.display_name == "经办人"
        assert user.department is not None and user.department.uscc == uscc and user.department.name == "测试局"
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert [u.username for u in repository.list_users(session)] == ["clerk1"]


def test_api_keys(cli: Cli) -> None:
    created = _ok(cli.run("apikeys", "create", "测试系统"))
    keys = KEY_RE.findall(created)
    assert len(keys) == 1  # shown once
    plain = keys[0]
    key_id = int(re.search(r"#(\d+)", created).group(1))  # type: ignore[union-attr]

    with make_session_factory(cli.engine)() as session:
        principal = service.resolve_api_key(session, plain)
        assert (principal.kind, principal.id, principal.name, principal.role) == (
            "api_key", key_id, "测试系统", Role.BUSINESS_SYSTEM)

    listed = _ok(cli.run("apikeys", "list"))
    assert "测试系统" in listed and plain[:10] in listed
    assert plain not in listed and plain[10:] not in listed

    assert f"#{key_id}" in _ok(cli.run("apikeys", "revoke", str(key_id), "--reason", "测试"))
    _refused(cli.run("apikeys", "revoke", str(key_id)), "illegal_transition", "不允许的状态变更", "已吊销")

    with make_session_factory(cli.engine)() as session:
        key = repository.get_api_key(session, key_id)
        assert key is not None and key.status == ApiKeyStatus.REVOKED
        with pytest.raises(InvalidApiKey):
            service.resolve_api_key(session, plain)
