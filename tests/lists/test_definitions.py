"""List-type configuration: the shipped file loads; every refusal names the file and the line."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from xinyong.errors import InvalidInput
from xinyong.lists.definitions import (
    ListKind,
    ListTypeDefinitionError,
    load_list_types,
    parse_list_types_text,
)

SOURCE = "名单类型.yaml"


def block(code: str, kind: str = "严重失信主体名单", *, drop: tuple[str, ...] = (), extra: str = "",
          **replace: str) -> str:
    """YAML text of one list type: valid unless fields are dropped, replaced or extra lines are added."""
    fields = {
        "code": code, "name": f"{code} 示例名单", "kind": kind, "domain": "税收", "recognising_department": "税务部门",
        "legal_basis": "\n    - document: 《示例管理办法》\n      article: 第五条",
        "criteria": "示例认定标准。", "validity_months": "36",
        "exit_conditions": "\n    - 有效期届满\n    - 经异议核实认定有误",
    }
    fields.update(replace)
    for key in drop:
        del fields[key]
    lines = [f"  {key}: {value}" for key, value in fields.items()]
    lines[0] = "- " + lines[0].lstrip()
    return "\n".join(lines) + "\n" + extra


WATCH = block("demo_watch", "重点关注名单", validity_months="12")
WARNING = block("demo_warning", "信用预警名单", domain="综合", validity_months="12")
AFTER_EXIT = "  after_exit:\n    list_type: demo_watch\n    validity_months: 12\n"
BLACK = block("demo_black", extra=AFTER_EXIT)


def line_with(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the n-th occurrence of needle."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in text"
    return hits[occurrence - 1]


def refused(text: str, source: str = SOURCE) -> ListTypeDefinitionError:
    """Parse text that must be refused and return the error."""
    with pytest.raises(ListTypeDefinitionError) as caught:
        parse_list_types_text(text, source)
    return caught.value


def assert_at(error: ListTypeDefinitionError, line: int, *fragments: str) -> None:
    """The error names the file and line and says what is wrong."""
    assert f"({SOURCE} 第{line}行)" in error.message, error.message
    for fragment in fragments:
        assert fragment in error.message, error.message


# ------------------------------------------------------------------ accepted files


def test_shipped_list_types_load_with_basis_exit_conditions_and_consistent_after_exit():
    types = load_list_types()
    by_code = {t.code: t for t in types}
    assert len(by_code) == len(types) >= 10
    assert {"tax_a_grade", "tax_major_violation", "market_serious_violation", "market_watch",
            "credit_warning"} <= set(by_code)
    assert {t.kind for t in types} == set(ListKind)
    assert [t.code for t in types if t.kind is ListKind.WARNING] == ["credit_warning"]
    for t in types:
        assert t.legal_basis and all(b.document and b.article for b in t.legal_basis), t.code
        assert t.exit_conditions and t.recognising_department and t.criteria, t.code
        assert t.basis_text.startswith(t.legal_basis[0].document)
    blacks = [t for t in types if t.kind is ListKind.BLACK]
    assert blacks and all(t.after_exit is not None for t in blacks)
    for t in blacks:
        target = by_code[t.after_exit.list_type]
        assert target.kind is ListKind.WATCH and target.domain == t.domain, t.code
    assert all(t.after_exit is None for t in types if t.kind is not ListKind.BLACK)


def test_shipped_file_loaded_by_path_gives_the_same_types(tmp_path):
    shipped = resources.files("xinyong.lists").joinpath("data", "list_types.yaml").read_text(encoding="utf-8")
    path = tmp_path / "list_types.yaml"
    path.write_text(shipped, encoding="utf-8")
    assert load_list_types(path) == load_list_types()


def test_minimal_file_with_defaults_is_accepted():
    types = parse_list_types_text(BLACK + WATCH + WARNING, SOURCE)
    assert [t.code for t in types] == ["demo_black", "demo_watch", "demo_warning"]
    black = types[0]
    assert black.after_exit.list_type == "demo_watch" and black.after_exit.validity_months == 12
    assert black.notice_required is True and black.objection_days == 5 and black.public is True
    assert black.basis_text == "《示例管理办法》第五条"


def test_file_without_watch_types_needs_no_warning_type():
    types = parse_list_types_text(block("demo_red", "红名单", validity_months="12"), SOURCE)
    assert [t.kind for t in types] == [ListKind.RED]


def test_utf8_file_with_bom_is_read(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeff".encode() + (BLACK + WATCH + WARNING).encode("utf-8"))
    assert [t.code for t in load_list_types(path)] == ["demo_black", "demo_watch", "demo_warning"]


# ------------------------------------------------------------------ refusals with file and line


def test_missing_legal_basis_is_refused_at_its_type():
    text = WATCH + WARNING + block("demo_black", drop=("legal_basis",))
    assert_at(refused(text), line_with(text, "code: demo_black"), "缺少必填项 'legal_basis'")


def test_empty_legal_basis_list_is_refused():
    text = WATCH + WARNING + block("demo_black", legal_basis="[]")
    assert_at(refused(text), line_with(text, "legal_basis: []"), "'legal_basis' 不能为空")


def test_legal_basis_without_article_is_refused():
    text = WATCH + WARNING + block("demo_black", legal_basis="\n    - document: 《示例管理办法》")
    assert_at(refused(text), line_with(text, "- document: 《示例管理办法》", 3), "缺少必填项 'article'")


def test_missing_exit_conditions_is_refused():
    text = WATCH + WARNING + block("demo_black", drop=("exit_conditions",))
    assert_at(refused(text), line_with(text, "code: demo_black"), "缺少必填项 'exit_conditions'")


def test_empty_exit_conditions_is_refused():
    text = WATCH + WARNING + block("demo_black", exit_conditions="[]")
    assert_at(refused(text), line_with(text, "exit_conditions: []"), "'exit_conditions' 不能为空")


def test_unknown_kind_is_refused():
    text = WATCH + WARNING + block("demo_black", kind="灰名单")
    assert_at(refused(text), line_with(text, "kind: 灰名单"), "'kind' 的取值 '灰名单' 无效", "严重失信主体名单")


def test_unknown_domain_is_refused():
    text = WATCH + WARNING + block("demo_black", domain="航天")
    assert_at(refused(text), line_with(text, "domain: 航天"), "'domain' 的取值 '航天' 无效", "市场监管")


def test_duplicate_code_is_refused_at_the_second_definition():
    text = WATCH + WARNING + block("demo_watch", "重点关注名单", validity_months="12")
    first, second = line_with(text, "code: demo_watch"), line_with(text, "code: demo_watch", 2)
    assert_at(refused(text), second, f"名单类型代码 'demo_watch' 重复（第{first}行已定义）")


def test_after_exit_on_a_non_black_type_is_refused():
    text = WARNING + block("demo_watch", "重点关注名单", validity_months="12",
                           extra="  after_exit:\n    list_type: demo_watch\n    validity_months: 12\n")
    assert_at(refused(text), line_with(text, "after_exit:"), "'after_exit' 无效：只有严重失信主体名单可以设置 after_exit")


def test_after_exit_pointing_to_a_missing_type_is_refused():
    text = WATCH + WARNING + block("demo_black", extra=AFTER_EXIT.replace("demo_watch", "nowhere_watch"))
    assert_at(refused(text), line_with(text, "list_type: nowhere_watch"),
              "after_exit 引用的 'nowhere_watch' 不是本文件中的重点关注名单类型")


def test_after_exit_pointing_to_a_non_watch_type_is_refused():
    text = (WATCH + WARNING + block("demo_red", "红名单", validity_months="12")
            + block("demo_black", extra=AFTER_EXIT.replace("demo_watch", "demo_red")))
    assert_at(refused(text), line_with(text, "list_type: demo_red"), "after_exit 引用的 'demo_red'")


def test_after_exit_with_zero_months_is_refused():
    text = WATCH + WARNING + block("demo_black", extra=AFTER_EXIT.replace("validity_months: 12", "validity_months: 0"))
    assert_at(refused(text), line_with(text, "validity_months: 0"), "'validity_months' 的取值 0 超出允许范围")


def test_watch_types_without_a_warning_type_are_refused():
    assert_at(refused(BLACK + WATCH), 1, "有重点关注名单类型时须定义一个信用预警名单类型")


def test_unknown_key_is_refused():
    text = WATCH + WARNING + block("demo_black", extra="  colour: 黑色\n")
    assert_at(refused(text), line_with(text, "colour: 黑色"), "未知字段 'colour'")


def test_validity_months_zero_is_refused():
    text = WATCH + WARNING + block("demo_black", validity_months="0")
    assert_at(refused(text), line_with(text, "validity_months: 0"), "'validity_months' 的取值 0 超出允许范围")


def test_validity_months_as_text_is_refused():
    text = WATCH + WARNING + block("demo_black", validity_months='"36"')
    assert_at(refused(text), line_with(text, 'validity_months: "36"'), "'validity_months' 应为整数")


def test_yes_is_not_a_boolean():
    text = WATCH + WARNING + block("demo_black", extra="  notice_required: yes\n")
    assert_at(refused(text), line_with(text, "notice_required: yes"), "'notice_required' 应为 true 或 false")


def test_badly_formed_code_is_refused():
    text = WATCH + WARNING + block("Demo-Black")
    assert_at(refused(text), line_with(text, "code: Demo-Black"), "'code' 的取值 'Demo-Black' 格式不符")


def test_repeated_key_in_one_type_is_refused():
    text = WATCH + WARNING + block("demo_black", extra="  criteria: 第二个标准\n")
    first = line_with(text, "criteria: 示例认定标准。", 3)
    assert_at(refused(text), line_with(text, "criteria: 第二个标准"), f"重复的键 'criteria'（第{first}行已出现）")


def test_bad_yaml_is_refused_with_its_line():
    text = WATCH + WARNING + "- code: demo_black\n  name: [未闭合\n  kind: 严重失信主体名单\n"
    error = refused(text)
    assert "YAML 格式错误" in error.message
    assert re.search(rf"\({SOURCE} 第(\d+)行\)", error.message)
    line = int(re.search(r"第(\d+)行\)", error.message).group(1))
    assert line >= line_with(text, "name: [未闭合")


def test_empty_file_is_refused():
    assert_at(refused("# 只有注释\n"), 1, "文件为空")


def test_top_level_mapping_is_refused():
    error = refused("code: demo_black\nname: 示例\n")
    assert SOURCE in error.message and "应为列表" in error.message


def test_refusal_is_an_invalid_input_with_a_stable_code():
    error = refused(BLACK + WATCH)
    assert isinstance(error, InvalidInput)
    assert error.code == "invalid_list_type" and error.status == 422
    assert error.to_dict()["error"] == "invalid_list_type"


# ------------------------------------------------------------------ files that cannot be read


def test_refusal_from_a_file_names_that_file(tmp_path):
    path = tmp_path / "本市名单类型.yaml"
    text = WATCH + WARNING + block("demo_black", drop=("legal_basis",))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ListTypeDefinitionError) as caught:
        load_list_types(path)
    assert f"(本市名单类型.yaml 第{line_with(text, 'code: demo_black')}行)" in caught.value.message


def test_gbk_file_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "gbk_types.yaml"
    text = BLACK + WATCH + WARNING
    path.write_bytes(text.encode("gbk"))
    with pytest.raises(ListTypeDefinitionError) as caught:
        load_list_types(path)
    message = caught.value.message
    assert message.startswith("无法读取名单类型文件") and "须为 UTF-8 编码" in message and "codec" not in message
    first_chinese = next(i for i, line in enumerate(text.splitlines(), 1) if re.search(r"[\u4e00-\u9fff]", line))
    assert f"(gbk_types.yaml 第{first_chinese}行)" in message


def test_missing_file_is_refused_with_a_clear_error(tmp_path):
    with pytest.raises(ListTypeDefinitionError) as caught:
        load_list_types(tmp_path / "no_such_file.yaml")
    assert caught.value.message.startswith("无法读取名单类型文件") and "no_such_file.yaml" in caught.value.message


def test_directory_instead_of_file_is_refused_with_a_clear_error(tmp_path):
    folder = tmp_path / "types.yaml"
    folder.mkdir()
    with pytest.raises(ListTypeDefinitionError) as caught:
        load_list_types(Path(folder))
    assert caught.value.message.startswith("无法读取名单类型文件") and "types.yaml" in caught.value.message
