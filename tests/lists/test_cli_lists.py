"""`xinyong lists types | load | grant` against a fresh database of each backend (in-process, CliRunner)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Cli, upgraded_cli
from tests.factories import make_uscc
from xinyong.db import make_engine, make_session_factory
from xinyong.lists import repository
from xinyong.lists.definitions import load_list_types


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield from upgraded_cli(backend, tmp_path_factory.mktemp("lists-cli"))


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
