"""Measures list configuration: the shipped file loads; every refusal names the file and the line; the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import Cli, upgraded_cli
from xinyong.cli import common
from xinyong.db import make_session_factory
from xinyong.errors import InvalidInput
from xinyong.lists.definitions import ListKind
from xinyong.measures.definitions import (
    MeasureDefinitionError,
    MeasureKind,
    load_measures,
    parse_measures_text,
)
from xinyong.measures.service import active_measures

SOURCE = "措施清单.yaml"
BASIS = "\n    - document: 《示例联合惩戒备忘录》\n      article: 第二条第（一）项"


def block(code: str, kind: str = "惩戒", trigger: str = "严重失信主体名单", *, drop: tuple[str, ...] = (),
          **replace: str) -> str:
    """YAML text of one measure: valid unless fields are dropped or replaced."""
    fields = {"code": code, "name": f"{code} 示例措施", "kind": kind, "mandatory": "true",
              "triggers": f"[{{kind: {trigger}}}]", "matters": "[政府采购, 招标投标]", "departments": "[财政部门]",
              "legal_basis": BASIS, "reaches_persons": "false"}
    fields.update(replace)
    for key in drop:
        del fields[key]
    lines = [f"  {key}: {value}" for key, value in fields.items()]
    lines[0] = "- " + lines[0].lstrip()
    return "\n".join(lines) + "\n"


def line_with(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of needle."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in text"
    return hits[occurrence - 1]


def refused(text: str) -> MeasureDefinitionError:
    """Parse text that must be refused and return the error."""
    with pytest.raises(MeasureDefinitionError) as caught:
        parse_measures_text(text, SOURCE)
    assert isinstance(caught.value, InvalidInput) and caught.value.status == 422
    return caught.value


def assert_at(error: MeasureDefinitionError, line: int, *fragments: str) -> None:
    """The error names the file and the line and says what is wrong."""
    assert f"({SOURCE} 第{line}行)" in error.message, error.message
    for fragment in fragments:
        assert fragment in error.message, error.message


def test_shipped_list_loads_with_bases_and_consistent_triggers() -> None:
    measures = load_measures()
    assert len(measures) >= 15 and len({m.code for m in measures}) == len(measures)
    assert all(m.legal_basis and m.departments and m.matters for m in measures)
    for m in measures:
        red = [t.kind is ListKind.RED for t in m.triggers]
        assert all(red) if m.kind is MeasureKind.REWARD else not any(red), m.code
    kinds = {(m.kind, m.mandatory) for m in measures}
    assert {(MeasureKind.PUNISHMENT, True), (MeasureKind.PUNISHMENT, False), (MeasureKind.REWARD, False)} <= kinds
    assert any(m.reaches_persons for m in measures) and any(not m.reaches_persons for m in measures)


def test_a_reward_triggered_by_the_black_list_is_refused_at_the_trigger_line() -> None:
    text = block("ok_punish") + block("bad_reward", "激励", "严重失信主体名单")
    assert_at(refused(text), line_with(text, "triggers", 2), "激励措施只能由红名单触发")


def test_a_punishment_triggered_by_the_red_list_is_refused() -> None:
    text = block("bad_punish", "惩戒", "红名单")
    assert_at(refused(text), line_with(text, "triggers"), "惩戒措施不能由红名单触发")


def test_a_duplicate_code_is_refused_naming_both_lines() -> None:
    text = block("same_code") + block("other") + block("same_code")
    error = refused(text)
    assert_at(error, line_with(text, "same_code", 3), "same_code", "重复", f"第{line_with(text, 'same_code')}行已定义")


def test_a_measure_without_legal_basis_is_refused() -> None:
    text = block("first") + block("no_basis", drop=("legal_basis",))
    error = refused(text)
    assert "legal_basis" in error.message and SOURCE in error.message
    assert f"第{line_with(text, 'no_basis')}行" in error.message, error.message
    empty = block("empty_basis", legal_basis="[]")
    assert_at(refused(empty), line_with(empty, "legal_basis"), "legal_basis")


def test_an_unknown_matter_is_refused_at_its_line() -> None:
    text = block("first") + block("odd_matter", matters="\n    - 政府采购\n    - 吃喝玩乐")
    assert_at(refused(text), line_with(text, "吃喝玩乐"), "matters")


def test_other_refusals_name_their_line() -> None:
    unknown_kind = block("odd_kind", trigger="灰名单")
    assert_at(refused(unknown_kind), line_with(unknown_kind, "灰名单"))
    not_a_flag = block("odd_flag", mandatory="是")
    assert_at(refused(not_a_flag), line_with(not_a_flag, "mandatory"), "mandatory")
    bad_code = block("Bad-Code")
    assert_at(refused(bad_code), 1, "code")
    with pytest.raises(MeasureDefinitionError, match="YAML"):
        parse_measures_text("- code: [unclosed\n", SOURCE)


# ------------------------------------------------------------------ xinyong measures list | load


@pytest.fixture(scope="module")
def cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    yield from upgraded_cli(backend, tmp_path_factory.mktemp("measures-cli"))


def _active(cli: Cli) -> list[str]:
    with make_session_factory(common.engine_for(cli.url))() as session:
        return [m.code for m in active_measures(session)]


def test_cli_lists_loads_and_refuses(cli: Cli, tmp_path: Path) -> None:
    code, out = cli.run("measures", "list")
    assert code == 0, out
    assert "restrict_procurement" in out and "惩戒·强制性" in out and "激励·推荐性" in out
    code, out = cli.run("measures", "list", "--detail")
    assert code == 0 and "法律依据：《中华人民共和国政府采购法》第二十二条" in out, out

    bad = tmp_path / "bad.yaml"
    text = block("fine") + block("bad_reward", "激励")
    bad.write_text(text, encoding="utf-8")
    code, out = cli.run("measures", "load", str(bad))
    assert code == 1 and "激励措施只能由红名单触发" in out and f"bad.yaml 第{line_with(text, 'triggers', 2)}行" in out, out

    extra = tmp_path / "extra.yaml"
    extra.write_text(block("local_bid_ban"), encoding="utf-8")
    code, out = cli.run("measures", "load", str(extra), "--keep-others")
    assert code == 0 and "local_bid_ban" in out, out
    assert "local_bid_ban" in _active(cli) and "restrict_procurement" in _active(cli)
    code, out = cli.run("measures", "load", str(extra), "--keep-others")
    assert code == 0 and "内容未变化" in out, out

    code, out = cli.run("measures", "load", str(extra))
    assert code == 0 and "已停用文件中没有的措施" in out and "restrict_procurement" in out, out
    assert _active(cli) == ["local_bid_ban"]
    code, out = cli.run("measures", "list", "--all")
    assert code == 0 and "停用" in out, out
    shipped = Path(__file__).parents[2] / "src" / "xinyong" / "measures" / "data" / "measures.yaml"
    assert cli.run("measures", "load", str(shipped))[0] == 0
    assert "local_bid_ban" not in _active(cli) and "restrict_procurement" in _active(cli)


def test_a_gbk_measures_file_is_refused_with_the_encoding_named(tmp_path: Path) -> None:
    path = tmp_path / "措施.yaml"
    path.write_bytes(("- code: gbk_measure\n  name: 限制参与政府采购\n").encode("gbk"))
    with pytest.raises(MeasureDefinitionError, match="UTF-8") as caught:
        load_measures(path)
    assert "措施.yaml" in caught.value.message
