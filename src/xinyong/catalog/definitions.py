"""Information catalogue (信用信息目录): record types parsed from YAML, refused with file and line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, TypeAdapter

from xinyong.codes import DocumentType
from xinyong.errors import InvalidInput
from xinyong.yamlsource import YamlSourceError, line_at, load

SubjectKind = Literal["法人及非法人组织", "个体工商户", "自然人", "政府机构"]
SUBJECT_KINDS: tuple[str, ...] = get_args(SubjectKind)
DOCUMENT_TYPES: tuple[str, ...] = tuple(t.value for t in DocumentType)  # values of every document_type field
MONEY_UNIT = "万元"
MONEY_DECIMALS = 6
MULTI_SEPARATORS: tuple[str, ...] = (";", "；")
OCCUPATIONAL_GROUP_COUNT = 29

CatalogCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
FieldCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
Text = Annotated[str, Field(min_length=1)]
Months = Annotated[int, Field(strict=True, ge=0, le=1200)]
Flag = Annotated[bool, Field(strict=True)]


class CatalogDefinitionError(InvalidInput):
    """A catalogue definition file that cannot be accepted; names the file and the line."""

    code = "invalid_catalog_definition"

    def __init__(self, message: str, source: str, line: int | None = None) -> None:
        where = f"{source} 第{line}行" if line else source
        super().__init__(f"{message} ({where})")
        self.source = source
        self.line = line


class Openness(StrEnum):
    """Openness class of a record type (公开属性)."""

    PUBLIC = "公开"
    CONDITIONAL = "有条件共享"
    CLOSED = "不公开"


class SeverityClass(StrEnum):
    """Severity class of a record (失信程度)."""

    MINOR = "轻微"
    GENERAL = "一般"
    SERIOUS = "严重"

    @property
    def rank(self) -> int:
        """Order for comparison: 轻微 < 一般 < 严重."""
        return list(SeverityClass).index(self)


class FieldType(StrEnum):
    """Field value type; money is 万元 with ≤ 6 decimals, id_number pairs with a document_type field."""

    STRING = "string"
    TEXT = "text"
    DATE = "date"
    ENUM = "enum"
    MONEY = "money"
    INTEGER = "integer"
    USCC = "uscc"
    ID_NUMBER = "id_number"
    DOCUMENT_TYPE = "document_type"
    REGION = "region"


_LENGTH_TYPES = {FieldType.STRING, FieldType.TEXT, FieldType.ENUM, FieldType.ID_NUMBER}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RequiredIf(_Model):
    """Conditional requirement: the field is required when another field has one of some values."""

    field: FieldCode
    equals: Text | None = None
    any_of: Annotated[tuple[Text, ...], Field(min_length=1)] | None = None

    @property
    def values(self) -> tuple[str, ...]:
        """The values that make the field required."""
        return (self.equals,) if self.equals is not None else tuple(self.any_of or ())


class FieldDefinition(_Model):
    """One field (数据项) of a record type."""

    code: FieldCode
    label: Text
    type: FieldType
    max_length: Annotated[int, Field(strict=True, gt=0)] | None = None
    required: Flag = False
    required_if: RequiredIf | None = None
    personal: Flag = False
    enum: tuple[Text, ...] = ()
    multi: Flag = False
    document_type_field: FieldCode | None = None
    legacy_codes: tuple[Text, ...] = ()
    description: str = ""


class SeverityRule(_Model):
    """A record whose field holds one of any_of gets this class."""

    # Dump as "class" too, so a stored model_dump() validates back into the same definition.
    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)
    field: FieldCode
    any_of: Annotated[tuple[Text, ...], Field(min_length=1)]
    severity_class: SeverityClass = Field(alias="class")


class Severity(_Model):
    """How a record's severity class is determined."""

    default: SeverityClass
    rules: tuple[SeverityRule, ...] = ()


class DisplayRule(_Model):
    """Display period of one class: months from the decision date, optionally ending at a date field."""

    publish: Flag = True
    min_months: Months | None = None
    max_months: Months | None = None
    until_field: FieldCode | None = None


class RecordTypeDefinition(_Model):
    """One record type (信息类) of the catalogue."""

    code: CatalogCode
    name: Text
    version: Text
    category: Text
    openness: Openness
    adverse: Flag
    subject_kinds: Annotated[tuple[SubjectKind, ...], Field(min_length=1)]
    natural_key: Annotated[tuple[FieldCode, ...], Field(min_length=1)]
    decision_date_field: FieldCode
    severity: Severity
    display: dict[SeverityClass, DisplayRule]
    legacy_fields: dict[str, FieldCode] = {}
    description: str = ""
    fields: Annotated[tuple[FieldDefinition, ...], Field(min_length=1)]

    _source: str = PrivateAttr(default="")
    _code_line: int | None = PrivateAttr(default=None)

    @property
    def source(self) -> str:
        """File (or source name) the definition was read from."""
        return self._source

    @property
    def code_line(self) -> int | None:
        """Line of the `code` key in the source."""
        return self._code_line

    @cached_property
    def field_map(self) -> dict[str, FieldDefinition]:
        """Fields by code."""
        return {f.code: f for f in self.fields}

    @property
    def required_fields(self) -> tuple[str, ...]:
        """Codes of unconditionally required fields."""
        return tuple(f.code for f in self.fields if f.required)

    @property
    def personal_fields(self) -> tuple[str, ...]:
        """Codes of fields masked in public output and error reports."""
        return tuple(f.code for f in self.fields if f.personal)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Accepted column names (code, label, legacy codes and labels) → current field code."""
        out: dict[str, str] = dict(self.legacy_fields)
        for f in self.fields:
            out.update({name: f.code for name in (f.code, f.label, *f.legacy_codes)})
        return out

    def classify(self, record: Mapping[str, Any]) -> SeverityClass:
        """Severity class of a record: the worst over its rule-field values, unmatched ones as default."""
        classes: list[SeverityClass] = []
        for code in dict.fromkeys(r.field for r in self.severity.rules):
            for value in _split(record.get(code), self.field_map[code].multi):
                rule = next((r for r in self.severity.rules if r.field == code and value in r.any_of), None)
                classes.append(rule.severity_class if rule else self.severity.default)
        return max(classes, key=lambda c: c.rank) if classes else self.severity.default

    def is_published(self, severity_class: SeverityClass) -> bool:
        """Whether records of this class go on the public portal at all."""
        rule = self.display.get(severity_class)
        return self.openness is Openness.PUBLIC and rule is not None and rule.publish


class OccupationalGroup(_Model):
    """One of the 29 key occupational groups (重点人群) and its lead department."""

    no: Annotated[int, Field(strict=True, ge=1)]
    code: CatalogCode
    name: Text
    lead_department: Text


def _split(value: Any, multi: bool) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = "" if value is None else str(value)
    if multi:
        text = re.sub("|".join(map(re.escape, MULTI_SEPARATORS)), "\x00", text)
    return [v.strip() for v in text.split("\x00") if v.strip()]


def _load(adapter: TypeAdapter[Any], text: str, source: str, not_mapping: str | None = None) -> Any:
    """yamlsource.load, its refusals naming `source`."""
    try:
        return load(adapter, text, not_mapping)
    except YamlSourceError as exc:
        raise CatalogDefinitionError(exc.problem, source, exc.line) from exc


class _Checker:
    """Cross-key rules of a record type; each refusal points at the offending YAML node."""

    def __init__(self, defn: RecordTypeDefinition, root: yaml.Node, source: str) -> None:
        self.d, self.root, self.source = defn, root, source
        self.by_code: dict[str, FieldDefinition] = {}

    def fail(self, message: str, *loc: Any) -> None:
        raise CatalogDefinitionError(message, self.source, line_at(self.root, loc))

    def ref(self, code: str | None, *loc: Any, want: FieldType | None = None) -> FieldDefinition | None:
        if code is None:
            return None
        f = self.by_code.get(code)
        if f is None:
            self.fail(f"引用了不存在的字段 '{code}'", *loc)
        elif want is not None and f.type is not want:
            self.fail(f"字段 '{code}' 的类型应为 {want.value}，而不是 {f.type.value}", *loc)
        return f

    def run(self) -> None:
        names: dict[str, str] = {}
        for i, f in enumerate(self.d.fields):
            if f.code in self.by_code:
                self.fail(f"字段代码 '{f.code}' 重复", "fields", i, "code")
            self.by_code[f.code] = f
            for j, name in enumerate((f.label, *f.legacy_codes)):
                if names.setdefault(name, f.code) != f.code:
                    loc = ("label",) if j == 0 else ("legacy_codes", j - 1)
                    self.fail(f"名称 '{name}' 已被字段 '{names[name]}' 使用", "fields", i, *loc)
        for i, f in enumerate(self.d.fields):
            self.check_field(i, f)
            if f.code in names and names[f.code] != f.code:
                self.fail(f"字段代码 '{f.code}' 与字段 '{names[f.code]}' 的名称冲突", "fields", i, "code")
        for j, code in enumerate(self.d.natural_key):
            self.ref(code, "natural_key", j)
        if len(set(self.d.natural_key)) != len(self.d.natural_key):
            self.fail("natural_key 中有重复字段", "natural_key")
        self.ref(self.d.decision_date_field, "decision_date_field", want=FieldType.DATE)
        self.check_severity_and_display()
        for old, new in self.d.legacy_fields.items():
            if old in self.by_code or old in names:
                self.fail(f"旧字段代码 '{old}' 与现行字段冲突", "legacy_fields", old, "[key]")
            self.ref(new, "legacy_fields", old)

    def check_field(self, i: int, f: FieldDefinition) -> None:
        is_enum, c = f.type is FieldType.ENUM, f.code
        rules = (  # (refused?, key the error points at, message)
            (is_enum and not f.enum, "type", f"字段 '{c}' 为 enum 类型，必须给出非空的 enum 取值"),
            (len(set(f.enum)) != len(f.enum), "enum", f"字段 '{c}' 的 enum 取值有重复"),
            (not is_enum and bool(f.enum), "enum", f"只有 enum 类型的字段可以设置 enum（'{c}'）"),
            (f.multi and not is_enum, "multi", f"只有 enum 类型的字段可以设置 multi（'{c}'）"),
            (f.max_length is not None and f.type not in _LENGTH_TYPES, "max_length",
             f"{f.type.value} 类型的字段不能设置 max_length（'{c}'）"),
            (f.type is FieldType.STRING and f.max_length is None, "type",
             f"string 类型的字段必须设置 max_length（'{c}'）"),
            (f.type is FieldType.ID_NUMBER and f.document_type_field is None, "type",
             f"id_number 类型的字段必须用 document_type_field 指明证件类型字段（'{c}'）"),
            (f.type is not FieldType.ID_NUMBER and f.document_type_field is not None, "document_type_field",
             f"只有 id_number 类型的字段可以设置 document_type_field（'{c}'）"),
            (f.required and f.required_if is not None, "required_if",
             f"字段 '{c}' 不能同时设置 required 与 required_if"),
            (f.required_if is not None and (f.required_if.equals is None) == (f.required_if.any_of is None),
             "required_if", "required_if 须且只须给出 equals 或 any_of 之一"),
        )
        for refused, key, message in rules:
            if refused:
                self.fail(message, "fields", i, key)
        self.ref(f.document_type_field, "fields", i, "document_type_field", want=FieldType.DOCUMENT_TYPE)
        if f.required_if is not None:
            target = self.ref(f.required_if.field, "fields", i, "required_if", "field")
            self.check_values(target, f.required_if.values, "fields", i, "required_if")

    def check_values(self, target: FieldDefinition | None, values: Iterable[str], *loc: Any) -> None:
        if target is not None and target.type is FieldType.ENUM:
            for value in values:
                if value not in target.enum:
                    self.fail(f"'{value}' 不是字段 '{target.code}' 的取值", *loc)

    def check_severity_and_display(self) -> None:
        produced = {self.d.severity.default}
        for k, rule in enumerate(self.d.severity.rules):
            target = self.ref(rule.field, "severity", "rules", k, "field")
            self.check_values(target, rule.any_of, "severity", "rules", k, "any_of")
            produced.add(rule.severity_class)
        for cls in sorted(produced, key=lambda c: c.rank):
            if cls not in self.d.display:
                self.fail(f"缺少失信程度 '{cls.value}' 的 display 规则", "display")
        for cls, rule in self.d.display.items():
            at = ("display", cls.value)
            low, high = rule.min_months, rule.max_months
            if low is not None and high is not None and low > high:
                self.fail(f"'{cls.value}' 的 min_months 大于 max_months", *at)
            if rule.publish and rule.max_months is None and rule.until_field is None:
                # Publication has to end by itself, so an open-ended published class is refused.
                self.fail(f"'{cls.value}' 公示时必须给出 max_months 或 until_field", *at)
            self.ref(rule.until_field, *at, "until_field", want=FieldType.DATE)


_RECORD_TYPE = TypeAdapter(RecordTypeDefinition)
_GROUPS = TypeAdapter(list[OccupationalGroup])


def parse_definition_text(text: str, source: str) -> RecordTypeDefinition:
    """Parse one record-type definition from YAML text; `source` names it in errors."""
    defn, root = _load(_RECORD_TYPE, text, source, "定义文件的顶层必须是键值映射")
    _Checker(defn, root, source).run()
    defn._source = source
    defn._code_line = line_at(root, ("code",))
    return defn


def parse_definition_file(path: Path) -> RecordTypeDefinition:
    """Parse one record-type definition file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogDefinitionError(f"无法读取定义文件：{exc}", path.name) from exc
    return parse_definition_text(text, path.name)


def check_unique(defs: Iterable[RecordTypeDefinition]) -> None:
    """Refuse two definitions with the same catalogue code, naming both files."""
    seen: dict[str, RecordTypeDefinition] = {}
    for d in defs:
        first = seen.setdefault(d.code, d)
        if first is not d:
            message = f"目录代码 '{d.code}' 重复：{first.source} 第{first.code_line}行已定义"
            raise CatalogDefinitionError(message, d.source, d.code_line)


def load_builtin_definitions() -> list[RecordTypeDefinition]:
    """All shipped record types (catalog/data/*.yaml), sorted by code."""
    folder = resources.files("xinyong.catalog").joinpath("data")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    defs = [parse_definition_text(f.read_text(encoding="utf-8-sig"), f.name) for f in files]
    check_unique(defs)
    return sorted(defs, key=lambda d: d.code)


def parse_occupational_groups_text(text: str, source: str) -> list[OccupationalGroup]:
    """Parse and check the list of key occupational groups."""
    groups, root = _load(_GROUPS, text, source)
    if len(groups) != OCCUPATIONAL_GROUP_COUNT:
        message = f"重点人群应有 {OCCUPATIONAL_GROUP_COUNT} 类，实际 {len(groups)} 类"
        raise CatalogDefinitionError(message, source, 1)
    for i, g in enumerate(groups):
        if g.no != i + 1:
            raise CatalogDefinitionError(f"序号应为 {i + 1}，而不是 {g.no}", source, line_at(root, (i, "no")))
        if any(g.code == h.code or g.name == h.name for h in groups[:i]):
            raise CatalogDefinitionError(f"重点人群 '{g.code}'/'{g.name}' 重复", source, line_at(root, (i,)))
    return groups


def load_occupational_groups(path: Path | None = None) -> list[OccupationalGroup]:
    """The 29 key occupational groups, from the shipped file unless a path is given."""
    shipped = resources.files("xinyong").joinpath("data", "occupational_groups.yaml")
    file = shipped if path is None else Path(path)
    return parse_occupational_groups_text(file.read_text(encoding="utf-8-sig"), file.name)
