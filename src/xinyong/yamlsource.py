"""YAML read with line numbers: compose, refuse repeated keys, locate nodes, build and validate values."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

T = TypeVar("T")


class YamlSourceError(Exception):
    """YAML that cannot be accepted: `problem` says what, `line` where (1-based, None when unknown)."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class YamlSyntaxError(YamlSourceError):
    """Text that is not well-formed YAML; `detail` is PyYAML's own description."""

    def __init__(self, detail: str, line: int | None) -> None:
        super().__init__(f"YAML 格式错误：{detail}", line)
        self.detail = detail


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans and no implicit dates, so `no:`, `yes` and 2021-01-01 stay text."""


_IMPLICIT_OFF = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _IMPLICIT_OFF]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def line_of(node: yaml.Node) -> int:
    """1-based line where a node starts."""
    return node.start_mark.line + 1


def _described(exc: yaml.YAMLError) -> tuple[str, int | None]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return str(getattr(exc, "problem", None) or exc), mark.line + 1 if mark else None


def compose(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> yaml.Node | None:
    """Node tree of one YAML document, None when it holds none; malformed text raises YamlSyntaxError."""
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(*_described(exc)) from exc


def refuse_duplicate_keys(node: yaml.Node) -> None:
    """Refuse a non-scalar key or a key repeated in one mapping, naming the line of both occurrences."""
    # PyYAML keeps the last of two equal keys silently; a definition must not depend on that.
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise YamlSourceError("键必须是简单值", line_of(key))
            if key.value in seen:
                raise YamlSourceError(f"重复的键 '{key.value}'（第{seen[key.value]}行已出现）", line_of(key))
            seen[key.value] = line_of(key)
            refuse_duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            refuse_duplicate_keys(item)


def line_at(root: yaml.Node, loc: Iterable[Any]) -> int:
    """Line of the node at a pydantic-style location: a key's own line, or the deepest node found."""
    node, line, parts = root, line_of(root), list(loc)
    for i, part in enumerate(parts):
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                break
            node, line = pair[1], line_of(pair[0])
            if i + 1 < len(parts) and parts[i + 1] == "[key]":
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = line_of(node)
        else:
            break
    return line


def construct(node: yaml.Node) -> Any:
    """Python value of a node and everything below it, built by the safe constructor."""
    try:
        return yaml.constructor.SafeConstructor().construct_document(node)
    except yaml.YAMLError as exc:  # e.g. an explicit tag the safe constructor refuses
        problem, line = _described(exc)
        raise YamlSourceError(f"无法解析的值：{problem}", line) from exc
    except (ValueError, TypeError) as exc:  # e.g. "!!int xx" or "!!timestamp 2021-02-30"
        raise YamlSourceError(f"无法解析的值：{exc}", None) from exc


_MESSAGE_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("extra_forbidden",), "未知字段 '{key}'"),
    (("missing",), "缺少必填项 '{key}'"),
    (("bool_type",), "'{key}' 应为 true 或 false，而不是 {value!r}"),
    (("int_type",), "'{key}' 应为整数，而不是 {value!r}"),
    (("string_type",), "'{key}' 应为文本，而不是 {value!r}（数字或日期请加引号）"),
    (("enum", "literal_error"), "'{key}' 的取值 {value!r} 无效，应为 {expected}"),
    (("string_pattern_mismatch",), "'{key}' 的取值 {value!r} 格式不符（{pattern}）"),
    (("list_type", "tuple_type"), "'{key}' 应为列表"),
    (("dict_type", "model_type"), "'{key}' 应为键值映射"),
    (("too_short", "string_too_short"), "'{key}' 不能为空"),
    (("greater_than", "greater_than_equal", "less_than_equal"), "'{key}' 的取值 {value!r} 超出允许范围"),
)
_MESSAGES = {kind: text for kinds, text in _MESSAGE_GROUPS for kind in kinds}


def _message(err: Mapping[str, Any]) -> str:
    names = [p for p in err["loc"] if isinstance(p, str) and p != "[key]"]
    ctx = err.get("ctx") or {}
    return _MESSAGES.get(err["type"], "'{key}' 无效：{msg}").format(
        key=names[-1] if names else "顶层", value=err.get("input"), msg=err["msg"],
        expected=str(ctx.get("expected", "")).replace(" or ", "、"), pattern=ctx.get("pattern", ""))


def validate(adapter: TypeAdapter[T], root: yaml.Node) -> T:
    """Validate a document with pydantic; the earliest error becomes a YamlSourceError at its line."""
    data = construct(root)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        # Report the earliest problem; on one line a typo'd key beats the "missing" it also causes.
        lines = [(line_at(root, e["loc"]), e["type"] != "extra_forbidden", e) for e in exc.errors()]
        line, _, err = min(lines, key=lambda t: t[:2])
        raise YamlSourceError(_message(err), line) from exc


def load(adapter: TypeAdapter[T], text: str, not_mapping: str | None = None) -> tuple[T, yaml.Node]:
    """Strict read (YAML 1.2 booleans, no repeated keys) validated by pydantic; also returns the root node."""
    root = compose(text, Yaml12Loader)
    if root is None:
        raise YamlSourceError("文件为空", 1)
    refuse_duplicate_keys(root)
    if not_mapping is not None and not isinstance(root, yaml.MappingNode):
        raise YamlSourceError(not_mapping, line_of(root))
    return validate(adapter, root), root


class NodeReader:
    """Walks the nodes of one YAML text by hand; refusals are YamlSourceErrors quoting the entry."""

    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, at: yaml.Node, problem: str, entry: yaml.Node | None = None) -> NoReturn:
        """Raise YamlSourceError at the line of ``at``, quoting the source text of ``entry``."""
        if entry is not None:
            snippet = re.sub(r"\s+", " ", self.text[entry.start_mark.index : entry.end_mark.index])
            snippet = snippet.strip(" -")
            if snippet:
                problem += f"（{snippet[:80]}{'…' if len(snippet) > 80 else ''}）"
        raise YamlSourceError(problem, line_of(at))

    def mapping(
        self, node: yaml.MappingNode, allowed: tuple[str, ...], quote: bool = True
    ) -> dict[str, yaml.Node]:
        """Return the mapping's values by key, refusing unknown and repeated keys."""
        entry = node if quote else None
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str) or key not in allowed:
                self.fail(key_node, f"未知字段 {key!r}，允许的字段：{'、'.join(allowed)}", entry)
            if key in result:
                self.fail(key_node, f"字段 {key} 重复", entry)
            result[key] = value_node
        return result

    def value(self, node: yaml.Node) -> object:
        """Return the Python value of a scalar node."""
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, "此处应为单个值，而不是列表或映射", node)
        try:
            return construct(node)
        except (YamlSourceError, ValueError):
            self.fail(node, "无法识别的值（如为日期，请检查该日是否存在）", node)


def read_utf8(path: str | Path) -> str:
    """A configuration file's text; GBK or unreadable files raise YamlSourceError saying so (with the line)."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise YamlSourceError("文件须为 UTF-8 编码（GBK/GB18030 文件请先另存为 UTF-8）", line) from exc
    except OSError as exc:
        raise YamlSourceError(f"无法读取文件：{exc.strerror or exc}", None) from exc
