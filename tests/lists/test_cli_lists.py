"""`xinyong lists types | load | grant` against a fresh database of each backend (in-process, CliRunner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import drop_pg_database, empty_database_url
from tests.factories import make_uscc
from xinyong.cli import common
from xinyong.cli.main import app
from xinyong.config import get_settings
from xinyong.db import make_engine, make_session_factory
from xinyong.lists import repository
from xinyong.lists.definitions import load_list_types


class Cli:
    """Runs commands with the environment a shell would give them."""

    def __init__(self, env: dict[str, str], url: str) -> None:
        self.env, self.url = env, url

    def run(self, *args: str) -> tuple[int, str]:
        """Exit code and everything printed."""
        get_settings.cache_clear()
        try:
            result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        return result.exit_code, result.stdout + result.stderr


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    folder = tmp_path_factory.mktemp("lists-cli")
    url = empty_database_url(backend, folder)
    runner = Cli({"XINYONG_DATABASE_URL": url, "XINYONG_KEY_FILE": str(folder / "k.key"), "COLUMNS": "200",
                  "NO_COLOR": "1"}, url)
    try:
        assert runner.run("db", "upgrade")[0] == 0
        yield runner
    finally:
        common.engine_for(url).dispose()
        common.engine_for.cache_clear()
        if backend == "postgresql":
            drop_pg_database(url)


def test_types_and_grant(cli: Cli) -> None:
    code, out = cli.run("lists", "types")
    assert code == 0, out
    assert "market_serious_violation" in out and "严重失信主体名单" in out and "36个月" in out
    dept = make_uscc("11", "350600")
    assert cli.run("departments", "add", dept, "漳州市市场监督管理局")[0] == 0
    code, out = cli.run("lists", "grant", "market_serious_violation", dept)
    assert code == 0 and "已授权：漳州市市场监督管理局" in out, out
    assert cli.run("lists", "grant", "market_serious_violation", dept)[0] == 0  # idempotent
    assert "漳州市市场监督管理局" in cli.run("lists", "types")[1]
    code, out = cli.run("lists", "grant", "no_such_type", dept)
    assert code == 1 and "list_type_not_found" in out and "Traceback" not in out
    code, out = cli.run("lists", "grant", "market_serious_violation", make_uscc("11", "350600"))
    assert code == 1 and "未找到" in out


def test_load_syncs_and_refuses_bad_files(cli: Cli, tmp_path: Path) -> None:
    shipped = (Path(load_list_types.__code__.co_filename).parent / "data" / "list_types.yaml").read_text("utf-8")
    changed = tmp_path / "types.yaml"
    changed.write_text(shipped.replace("name: 海关高级认证企业名单", "name: 海关AEO高级认证企业名单"), "utf-8")
    code, out = cli.run("lists", "load", str(changed))
    assert code == 0 and "customs_aeo" in out, out
    engine = make_engine(cli.url)
    with make_session_factory(engine)() as session:
        assert repository.list_type_by_code(session, "customs_aeo").name == "海关AEO高级认证企业名单"
    engine.dispose()
    code, out = cli.run("lists", "load", str(changed))
    assert code == 0 and "内容未变化" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("- code: x_red\n  name: 测试\n  kind: 红名单\n  domain: 税收\n  recognising_department: 税务\n"
                   "  legal_basis: []\n  criteria: c\n  validity_months: 12\n  exit_conditions: [a]\n", "utf-8")
    code, out = cli.run("lists", "load", str(bad))
    assert code == 1 and "legal_basis" in out and "第6行" in out
