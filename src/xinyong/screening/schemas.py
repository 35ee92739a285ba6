"""Pydantic shapes of POST /api/v1/screenings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from xinyong.measures.definitions import Matter, MeasureDefinition
from xinyong.screening.names import DEFAULT_THRESHOLD
from xinyong.screening.service import Screening

MAX_ROWS = 10_000


class ScreeningRowIn(BaseModel):
    """One subject to screen: a code, a name, or both; `row` is the caller's own row label."""

    model_config = ConfigDict(extra="forbid")

    row: str | None = Field(None, max_length=64, description="调用方的行号或编号（不填则为序号）")
    code: str | None = Field(None, max_length=40, description="统一社会信用代码（或公民身份号码）")
    name: str | None = Field(None, max_length=300, description="名称")


class ScreeningIn(BaseModel):
    """A batch of at most 10,000 rows."""

    model_config = ConfigDict(extra="forbid")

    rows: list[ScreeningRowIn] = Field(description=f"待筛查的主体，每次最多 {MAX_ROWS:,} 行")
    matter: Matter | None = Field(None, description="办理事项；不填则列出名单触发的全部措施")
    threshold: float = Field(DEFAULT_THRESHOLD, gt=0, le=1, description="名称匹配阈值（0–1）")


class MatchOut(BaseModel):
    """One live list entry a row matches, and how."""

    entry_id: int
    kind: str = Field(description="名单类别")
    list_type: str
    list_type_name: str
    domain: str
    entry_status: str = Field(description="effective 有效 / suspended 异议核查中（不触发措施）")
    valid_until: dt.date
    subject_name: str = Field(description="名单主体名称（自然人已脱敏）")
    subject_code: str | None
    masked_id: str | None = Field(description="自然人证件号码（脱敏）")
    method: str = Field(description="代码 / 证件号码 / 名称")
    score: float = Field(description="匹配得分 0–1（代码匹配为 1）")
    reasons: list[str] = Field(description="匹配说明")
    measures: list[str] = Field(description="该条目触发的措施代码")


class MeasureOut(BaseModel):
    """A measure the row's entries trigger."""

    code: str
    name: str
    kind: str
    mandatory: bool


class RowOut(BaseModel):
    """The outcome of one input row."""

    index: int = Field(description="在请求中的位置（从 0 开始）")
    row: str
    code: str | None
    name: str | None
    status: str = Field(description="命中 / 未命中 / 错误")
    error: str | None
    notes: list[str]
    list_kinds: list[str]
    matches: list[MatchOut]
    measures: list[MeasureOut] = Field(description="强制性在前")


class SummaryOut(BaseModel):
    """Counts of the batch."""

    rows: int
    hit: int
    miss: int
    errors: int
    by_code: int
    by_name: int
    matches: int


class ScreeningOut(BaseModel):
    """The answer to a screening request."""

    screened_on: dt.date
    matter: str | None
    threshold: float
    summary: SummaryOut
    results: list[RowOut]


def to_out(result: Screening, measures: Sequence[MeasureDefinition]) -> ScreeningOut:
    """The service's frames as the API answer."""
    known = {m.code: m for m in measures}
    by_row: dict[int, list[MatchOut]] = {}
    for m in result.matches.to_dicts():
        by_row.setdefault(m["idx"], []).append(MatchOut(**{k: v for k, v in m.items() if k not in (
            "idx", "measure_codes", "measure_names")}, measures=m["measure_codes"]))
    results = []
    for r in result.rows.to_dicts():
        chosen = [known[c] for c in r["measure_codes"] if c in known]
        chosen.sort(key=lambda d: not d.mandatory)
        results.append(RowOut(
            index=r["idx"], row=r["row"], code=r["code"], name=r["name"], status=r["status"], error=r["error"],
            notes=r["notes"], list_kinds=r["list_kinds"], matches=by_row.get(r["idx"], []),
            measures=[MeasureOut(code=d.code, name=d.name, kind=d.kind.value, mandatory=d.mandatory) for d in chosen]))
    return ScreeningOut(screened_on=result.today, matter=result.matter, threshold=result.threshold,
                        summary=SummaryOut(**result.summary()), results=results)
