"""Measures list (措施清单) as configuration: what applies to whom, for which matter, on which legal basis."""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from xinyong.errors import InvalidInput
from xinyong.lists.definitions import Domain, LegalBasis, ListKind
from xinyong.yamlsource import YamlSourceError, line_at, load, read_utf8

MeasureCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Flag = Annotated[bool, Field(strict=True)]


class MeasureKind(StrEnum):
    """A reward for the trustworthy or a punishment for the untrustworthy."""

    REWARD = "激励"
    PUNISHMENT = "惩戒"


class Matter(StrEnum):
    """Matters (事项) a business system handles when it asks which measures apply (seed 002 三(三), 三(四))."""

    APPROVAL = "行政审批"
    PROCUREMENT = "政府采购"
    BIDDING = "招标投标"
    FUNDS = "财政资金"
    HONOURS = "评优评先"
    PUBLIC_RESOURCES = "公共资源交易"
    CREDIT = "融资授信"
    HIGH_CONSUMPTION = "高消费"
    QUALIFICATION = "任职资格"
    MARKET_ACCESS = "市场准入"
    SUPERVISION = "日常监管"
    PUBLIC_SERVICE = "公共服务"


class Trigger(BaseModel):
    """Entries of this list kind (and, when given, of these domains) trigger the measure."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ListKind
    domains: tuple[Domain, ...] = ()

    def matches(self, kind: ListKind, domain: Domain) -> bool:
        """Whether an entry of this kind and domain triggers."""
        return kind is self.kind and (not self.domains or domain in self.domains)


class MeasureDefinition(BaseModel):
    """One measure of the list; without a legal basis it is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: MeasureCode
    name: Text
    kind: MeasureKind
    mandatory: Flag = Field(description="强制性（true）或推荐性（false）")
    triggers: Annotated[tuple[Trigger, ...], Field(min_length=1)]
    matters: Annotated[tuple[Matter, ...], Field(min_length=1)]
    departments: Annotated[tuple[Text, ...], Field(min_length=1)] = Field(description="实施部门")
    legal_basis: Annotated[tuple[LegalBasis, ...], Field(min_length=1)]
    reaches_persons: Flag = Field(False, description="落实到人：对法定代表人、主要负责人同样实施")

    @property
    def basis_text(self) -> str:
        """All legal bases in one line."""
        return "；".join(str(b) for b in self.legal_basis)


class MeasureDefinitionError(InvalidInput):
    """A measures file that cannot be accepted; names the file and the line."""

    code = "invalid_measure"

    def __init__(self, message: str, source: str, line: int | None = None) -> None:
        where = f"{source} 第{line}行" if line else source
        super().__init__(f"{message} ({where})")


_MEASURES = TypeAdapter(list[MeasureDefinition])


def parse_measures_text(text: str, source: str) -> list[MeasureDefinition]:
    """Parse a YAML list of measures; duplicate codes and a reward triggered by an adverse list are refused."""
    try:
        measures, root = load(_MEASURES, text, None)
    except YamlSourceError as exc:
        raise MeasureDefinitionError(exc.problem, source, exc.line) from exc
    seen: dict[str, int] = {}
    for i, m in enumerate(measures):
        line = line_at(root, (i, "code"))
        if m.code in seen:
            raise MeasureDefinitionError(f"措施代码 '{m.code}' 重复（第{seen[m.code]}行已定义）", source, line)
        seen[m.code] = line
        for j, t in enumerate(m.triggers):
            if (m.kind is MeasureKind.REWARD) == t.kind.adverse:
                wrong = "激励措施只能由红名单触发" if m.kind is MeasureKind.REWARD else "惩戒措施不能由红名单触发"
                raise MeasureDefinitionError(wrong, source, line_at(root, (i, "triggers", j, "kind")))
    return measures


def load_measures(path: Path | None = None) -> list[MeasureDefinition]:
    """The shipped measures list (measures/data/measures.yaml) or that of a given file."""
    if path is None:
        file = resources.files("xinyong.measures").joinpath("data", "measures.yaml")
        return parse_measures_text(file.read_text(encoding="utf-8-sig"), file.name)
    path = Path(path)
    try:
        text = read_utf8(path)
    except YamlSourceError as exc:
        raise MeasureDefinitionError(f"无法读取措施清单文件：{exc.problem}", path.name, exc.line) from exc
    return parse_measures_text(text, path.name)
