"""Tests for xinyong.yamlsource: YAML read with line numbers."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

from xinyong.yamlsource import (
    NodeReader,
    Yaml12Loader,
    YamlSourceError,
    YamlSyntaxError,
    compose,
    construct,
    line_at,
    line_of,
    load,
    refuse_duplicate_keys,
    validate,
)

NESTED = """\
name: 示例
fields:
  - code: A
    label: 甲
  - code: B
    rule:
      field: A
"""


class Item(BaseModel):
    """A small strict model for validate()."""

    model_config = ConfigDict(extra="forbid")
    code: str
    count: int = 0


def root_of(text: str) -> yaml.Node:
    node = compose(text)
    assert node is not None
    return node


def test_duplicate_keys_name_both_lines() -> None:
    text = NESTED + "  - code: C\n    label: 丙\n    label: 丁\n"
    with pytest.raises(YamlSourceError) as info:
        refuse_duplicate_keys(root_of(text))
    assert info.value.problem == "重复的键 'label'（第9行已出现）" and info.value.line == 10
    with pytest.raises(YamlSourceError, match="键必须是简单值") as info:
        refuse_duplicate_keys(root_of("a: 1\n? [x, y]\n: 2\n"))
    assert info.value.line == 2
    refuse_duplicate_keys(root_of(NESTED))


def test_line_at_follows_nested_locations() -> None:
    root = root_of(NESTED)
    assert line_at(root, ()) == 1
    assert line_at(root, ("fields",)) == 2
    assert line_at(root, ("fields", 1)) == 5
    assert line_at(root, ("fields", 1, "rule", "field")) == 7
    assert line_at(root, ("fields", 0, "label")) == 4
    # Where the path leaves the tree, the deepest node found answers.
    assert line_at(root, ("fields", 1, "missing", "deeper")) == 5
    assert line_at(root, ("fields", 9)) == 2
    assert line_at(root, ("fields", 1, "rule", "[key]", "x")) == 6
    assert line_of(root.value[1][1].value[1]) == 5


def test_malformed_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(YamlSyntaxError) as info:
        compose("a: 1\nb: [1, 2\nc: 3\n")
    err = info.value
    assert err.line == 3 and err.problem == f"YAML 格式错误：{err.detail}" and "expected" in err.detail
    with pytest.raises(YamlSyntaxError) as info:
        compose("a: \x01\n")
    assert info.value.line is None and "unacceptable character" in info.value.detail
    assert compose("") is None and compose("# only a comment\n") is None


def test_yaml12_loader_keeps_yes_no_and_dates_as_text() -> None:
    text = "a: yes\nb: no\nc: 2021-01-01\nd: true\ne: False\n"
    strict = compose(text, Yaml12Loader)
    assert strict is not None
    assert construct(strict) == {"a": "yes", "b": "no", "c": "2021-01-01", "d": True, "e": False}
    # The default SafeLoader keeps YAML 1.1: yes/no are booleans and dates are dates.
    assert construct(root_of(text)) == {"a": True, "b": False, "c": date(2021, 1, 1), "d": True, "e": False}


def test_construct_refuses_unsafe_tags_with_their_line() -> None:
    with pytest.raises(YamlSourceError, match="^无法解析的值：could not determine a constructor") as info:
        construct(root_of("a: 1\nb: !!python/object:os.system x\n"))
    assert info.value.line == 2


def test_validate_reports_the_earliest_error_in_chinese() -> None:
    adapter = TypeAdapter(list[Item])
    with pytest.raises(YamlSourceError) as info:
        validate(adapter, root_of("- {code: a}\n- {code: b, count: [1]}\n- {cod: c}\n"))
    assert info.value.problem == "'count' 应为整数，而不是 [1]" and info.value.line == 2
    # On one line a misspelt key beats the "missing" it also causes.
    with pytest.raises(YamlSourceError) as info:
        validate(adapter, root_of("- {code: a}\n- {cod: c}\n"))
    assert info.value.problem == "未知字段 'cod'" and info.value.line == 2
    assert validate(adapter, root_of("- {code: a, count: 2}\n")) == [Item(code="a", count=2)]


def test_load_is_strict() -> None:
    adapter = TypeAdapter(Item)
    item, root = load(adapter, "code: yes\n", "顶层应为映射")
    assert item == Item(code="yes") and isinstance(root, yaml.MappingNode)
    for text, problem, line in [
        ("", "文件为空", 1),
        ("- code: a\n", "顶层应为映射", 1),
        ("code: a\ncode: b\n", "重复的键 'code'（第1行已出现）", 2),
        ("code: a\n\tcount: 1\n", None, 2),
    ]:
        with pytest.raises(YamlSourceError) as info:
            load(adapter, text, "顶层应为映射")
        assert info.value.line == line and (problem is None or info.value.problem == problem)


def test_node_reader_checks_keys_and_quotes_the_entry() -> None:
    text = "- {date: 2027-01-01, note: x}\n- {date: 2027-01-02, date: 2027-01-03}\n- {date: [1]}\n"
    reader, items = NodeReader(text), root_of(text).value
    with pytest.raises(YamlSourceError) as info:
        reader.mapping(items[0], ("date",))
    assert info.value.problem == "未知字段 'note'，允许的字段：date（{date: 2027-01-01, note: x}）"
    with pytest.raises(YamlSourceError) as info:
        reader.mapping(items[1], ("date",), quote=False)
    assert info.value.problem == "字段 date 重复" and info.value.line == 2
    with pytest.raises(YamlSourceError, match="此处应为单个值") as info:
        reader.value(items[2].value[0][1])
    assert info.value.line == 3
    assert reader.value(items[0].value[0][1]) == date(2027, 1, 1)
    with pytest.raises(YamlSourceError, match="无法识别的值"):
        reader.value(root_of("2027-02-30\n"))
