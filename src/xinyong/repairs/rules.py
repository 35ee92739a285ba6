"""Repair rules as data keyed by effective date (repairs/data/repair_rules.yaml), refused with file and line."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator

from xinyong.catalog.definitions import SeverityClass
from xinyong.config import Settings
from xinyong.repairs.errors import RepairRulesError
from xinyong.yamlsource import YamlSourceError, line_at, load, read_utf8

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Flag = Annotated[bool, Field(strict=True)]
WorkingDays = Annotated[int, Field(strict=True, ge=1, le=60)]


class ClassRule(BaseModel):
    """What the rule set says about one severity class."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    repairable: Flag
    min_months: Annotated[int, Field(strict=True, ge=0, le=120)] | None = None
    credit_report: Flag = False
    training: Flag = False
    reason: Text | None = None
    article: Text

    @model_validator(mode="after")
    def _complete(self) -> ClassRule:
        if self.repairable and self.min_months is None:
            raise ValueError("可修复的类别须写明 min_months（最短公示期，月）")
        if not self.repairable and not self.reason:
            raise ValueError("不可修复的类别须写明 reason（理由）")
        return self


class Exclusion(BaseModel):
    """A catalogue record type that cannot be repaired under this rule set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")]
    reason: Text
    article: Text


class RepairRuleSet(BaseModel):
    """One version of the national repair measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    effective_on: dt.date
    name: Text
    document: Text
    accept_working_days: WorkingDays
    decide_working_days: WorkingDays
    deadline_article: Text
    commitment: Text
    commitment_article: Text
    classes: dict[SeverityClass, ClassRule]
    excluded: list[Exclusion] = []

    @field_validator("commitment")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        # A folded YAML block joins its lines with spaces, which Chinese text does not have.
        return "".join(value.split())

    @property
    def citation(self) -> str:
        """《name》（document）."""
        return f"《{self.name}》（{self.document}）"

    def exclusion_for(self, record_type_code: str) -> Exclusion | None:
        """The exclusion of a record type, if any."""
        return next((e for e in self.excluded if e.record_type == record_type_code), None)


_SETS = TypeAdapter(list[RepairRuleSet])


def parse_rules_text(text: str, source: str) -> tuple[RepairRuleSet, ...]:
    """Parse and check a rules file: every class covered, effective dates unique; oldest first."""
    try:
        sets, root = load(_SETS, text, None)
    except YamlSourceError as exc:
        raise RepairRulesError(exc.problem, source, exc.line) from exc
    if not sets:
        raise RepairRulesError("至少需要一套修复规则", source, 1)
    seen: dict[dt.date, int] = {}
    for i, rule_set in enumerate(sets):
        line = line_at(root, (i, "effective_on"))
        if rule_set.effective_on in seen:
            raise RepairRulesError(f"生效日期 {rule_set.effective_on} 重复（第{seen[rule_set.effective_on]}行已定义）",
                                   source, line)
        seen[rule_set.effective_on] = line
        missing = [c.value for c in SeverityClass if c not in rule_set.classes]
        if missing:
            raise RepairRulesError(f"规则须覆盖轻微、一般、严重三类，缺少：{'、'.join(missing)}", source,
                                   line_at(root, (i, "classes")))
    return tuple(sorted(sets, key=lambda s: s.effective_on))


def load_rules(path: Path | None = None) -> tuple[RepairRuleSet, ...]:
    """The shipped rules or those of a given file."""
    if path is None:
        file = resources.files("xinyong.repairs").joinpath("data", "repair_rules.yaml")
        return parse_rules_text(file.read_text(encoding="utf-8-sig"), file.name)
    try:
        text = read_utf8(path)
    except YamlSourceError as exc:
        raise RepairRulesError(f"无法读取修复规则文件：{exc.problem}", Path(path).name, exc.line) from exc
    return parse_rules_text(text, Path(path).name)


@lru_cache(maxsize=1)
def shipped_rules() -> tuple[RepairRuleSet, ...]:
    """The shipped rule sets, parsed once."""
    return load_rules()


def active_rules(settings: Settings) -> tuple[RepairRuleSet, ...]:
    """The credit office's rules file (XINYONG_REPAIR_RULES_FILE) when set, else the shipped rules."""
    if settings.repair_rules_file is None:
        return shipped_rules()
    path = Path(settings.repair_rules_file)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise RepairRulesError("修复规则文件不存在或无法读取（XINYONG_REPAIR_RULES_FILE）", path.name) from None
    return _file_rules(str(path), stamp)


@lru_cache(maxsize=4)
def _file_rules(path: str, stamp: int) -> tuple[RepairRuleSet, ...]:
    """A rules file parsed once per modification time."""
    return load_rules(Path(path))


def rule_set_on(day: dt.date, sets: tuple[RepairRuleSet, ...] | None = None) -> RepairRuleSet:
    """The rule set in force on a submission date; before the first one there is none."""
    sets = sets or shipped_rules()
    current = None
    for candidate in sets:
        if candidate.effective_on <= day:
            current = candidate
    if current is None:
        raise RepairRulesError(f"{day} 尚无生效的信用修复规则（最早的规则自 {sets[0].effective_on} 起施行）",
                               "repair_rules.yaml")
    return current
