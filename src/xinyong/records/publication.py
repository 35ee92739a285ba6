"""Display periods of public records (双公示, F4): how long each record stays on the portal."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from xinyong.catalog.definitions import Openness, RecordTypeDefinition, SeverityClass
from xinyong.errors import ConfigurationError

RULES_FILE = Path(__file__).parent / "data" / "publication_rules.yaml"


@dataclass(frozen=True)
class RuleSet:
    """Longest display period per severity class (None: not published) from an effective date."""

    effective_on: dt.date
    source: str
    max_months: dict[SeverityClass, int | None]


@lru_cache(maxsize=1)
def rule_sets() -> tuple[RuleSet, ...]:
    """The shipped rule sets, oldest first."""
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    sets = []
    for entry in raw:
        months = {SeverityClass(k): v for k, v in entry["max_months"].items()}
        if set(months) != set(SeverityClass):
            raise ConfigurationError(f"{RULES_FILE.name}：{entry['effective_on']} 的规则须覆盖轻微、一般、严重三类")
        sets.append(RuleSet(entry["effective_on"], entry["source"], months))
    return tuple(sorted(sets, key=lambda s: s.effective_on))


def rule_set_on(day: dt.date) -> RuleSet:
    """The rule set in force on a decision date (the oldest one for earlier dates)."""
    current = rule_sets()[0]
    for candidate in rule_sets():
        if candidate.effective_on <= day:
            current = candidate
    return current


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day N months later, clamped to the month's end (1-31 + 1 month = 2-28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def publication_window(
    definition: RecordTypeDefinition, severity: SeverityClass, decision_on: dt.date, until_value: dt.date | None = None,
) -> tuple[dt.date, dt.date] | None:
    """First and last day on the portal, or None when the record is not published at all."""
    if definition.openness is not Openness.PUBLIC or not definition.is_published(severity):
        return None
    rule = definition.display[severity]
    ends: list[dt.date] = []
    law_months = rule_set_on(decision_on).max_months.get(severity)
    if law_months is None and rule.until_field is None:
        return None
    if law_months is not None and definition.adverse:
        ends.append(add_months(decision_on, law_months) - dt.timedelta(days=1))
    if rule.max_months is not None:
        ends.append(add_months(decision_on, rule.max_months) - dt.timedelta(days=1))
    if rule.until_field is not None and until_value is not None:
        ends.append(until_value)
    if not ends:
        return None
    last = min(ends)
    return (decision_on, last) if last >= decision_on else None
