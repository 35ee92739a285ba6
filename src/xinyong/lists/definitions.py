"""List types (名单类型) as configuration: legal basis, criteria, validity and exit, refused with file and line."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from xinyong.errors import InvalidInput
from xinyong.yamlsource import YamlSourceError, line_at, load, read_utf8

ListCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Months = Annotated[int, Field(strict=True, ge=1, le=600)]
Days = Annotated[int, Field(strict=True, ge=0, le=60)]
Flag = Annotated[bool, Field(strict=True)]


class ListKind(StrEnum):
    """The four kinds of list (seed 002 三(二), 三(五)5)."""

    RED = "红名单"
    BLACK = "严重失信主体名单"
    WATCH = "重点关注名单"
    WARNING = "信用预警名单"

    @property
    def adverse(self) -> bool:
        """Black, watch and warning entries are adverse; red is a reward."""
        return self is not ListKind.RED


class Domain(StrEnum):
    """Key domains (重点领域) named by the seeds and the national joint memoranda."""

    FOOD_DRUG = "食品药品"
    ENVIRONMENT = "生态环境"
    CONSTRUCTION = "工程质量"
    SAFETY = "安全生产"
    TAX = "税收"
    WAGES = "拖欠农民工工资"
    PROCUREMENT = "政府采购"
    STATISTICS = "统计"
    ECOMMERCE = "电子商务"
    JUDICIAL = "司法执行"
    CUSTOMS = "海关"
    MARKET = "市场监管"
    FINANCE = "金融"
    TRANSPORT = "交通运输"
    GENERAL = "综合"


class ExitReason(StrEnum):
    """Why an entry leaves its list (seed 002 三(五)6)."""

    EXPIRED = "有效期届满"
    REPAIRED = "信用修复"
    CORRECTED = "异议核实更正"
    STANDARD_CHANGED = "认定标准改变"
    MISTAKE = "误列入"
    CROSS_CHECK = "列入黑名单或重点关注名单"
    NO_LONGER_QUALIFIES = "不再符合列入条件"


class LegalBasis(BaseModel):
    """A document and the article that allows the listing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document: Text
    article: Text

    def __str__(self) -> str:
        return f"{self.document}{self.article}"


class AfterExit(BaseModel):
    """Black entries that exit go onto this watch list (unless listed by mistake), for this long."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    list_type: ListCode
    validity_months: Months


class ListTypeDefinition(BaseModel):
    """One list type; without a legal basis or exit conditions it is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ListCode
    name: Text
    kind: ListKind
    domain: Domain
    recognising_department: Text = Field(description="认定部门（单位），公示时显示")
    legal_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    criteria: Text
    validity_months: Months
    exit_conditions: Annotated[list[Text], Field(min_length=1)]
    repair_shortens: Flag = False
    notice_required: Flag = Field(True, description="对法人等主体是否事前告知；自然人一律告知")
    objection_days: Days = Field(5, description="告知送达后的异议期（工作日）")
    public: Flag = True
    after_exit: AfterExit | None = None

    @field_validator("after_exit")
    @classmethod
    def _only_black(cls, value: AfterExit | None, info: ValidationInfo) -> AfterExit | None:
        # A field error (not a model one) so the refusal points at the after_exit line and names the field.
        if value is not None and info.data.get("kind") is not ListKind.BLACK:
            raise PydanticCustomError("after_exit_not_black",
                                      "只有严重失信主体名单可以设置 after_exit（退出后转入重点关注名单）")
        return value

    @property
    def basis_text(self) -> str:
        """All legal bases in one line, for publication."""
        return "；".join(str(b) for b in self.legal_basis)


class ListTypeDefinitionError(InvalidInput):
    """A list-type file that cannot be accepted; names the file and the line."""

    code = "invalid_list_type"

    def __init__(self, message: str, source: str, line: int | None = None) -> None:
        where = f"{source} 第{line}行" if line else source
        super().__init__(f"{message} ({where})")


_TYPES = TypeAdapter(list[ListTypeDefinition])


def parse_list_types_text(text: str, source: str) -> list[ListTypeDefinition]:
    """Parse a YAML list of list types; duplicates and dangling after_exit targets are refused."""
    try:
        types, root = load(_TYPES, text, None)
    except YamlSourceError as exc:
        raise ListTypeDefinitionError(exc.problem, source, exc.line) from exc
    seen: dict[str, int] = {}
    for i, t in enumerate(types):
        if t.code in seen:
            raise ListTypeDefinitionError(f"名单类型代码 '{t.code}' 重复（第{seen[t.code]}行已定义）", source,
                                          line_at(root, (i, "code")))
        seen[t.code] = line_at(root, (i, "code"))
    by_code = {t.code: t for t in types}
    for i, t in enumerate(types):
        if t.after_exit is not None:
            target = by_code.get(t.after_exit.list_type)
            if target is None or target.kind is not ListKind.WATCH:
                raise ListTypeDefinitionError(f"after_exit 引用的 '{t.after_exit.list_type}' 不是本文件中的重点关注名单类型",
                                              source, line_at(root, (i, "after_exit", "list_type")))
    if not any(t.kind is ListKind.WARNING for t in types) and any(t.kind is ListKind.WATCH for t in types):
        raise ListTypeDefinitionError("有重点关注名单类型时须定义一个信用预警名单类型（由系统派生）", source, 1)
    return types


def load_list_types(path: Path | None = None) -> list[ListTypeDefinition]:
    """The shipped list types (lists/data/list_types.yaml) or those of a given file."""
    if path is None:
        file = resources.files("xinyong.lists").joinpath("data", "list_types.yaml")
        return parse_list_types_text(file.read_text(encoding="utf-8-sig"), file.name)
    path = Path(path)
    try:
        text = read_utf8(path)
    except YamlSourceError as exc:
        raise ListTypeDefinitionError(f"无法读取名单类型文件：{exc.problem}", path.name, exc.line) from exc
    return parse_list_types_text(text, path.name)
