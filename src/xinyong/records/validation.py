"""Row validation of collected records (归集) against their catalogue type, vectorised with polars.

validate_chunk() takes a chunk as the readers make it (one pl.String column per field code, "_row",
optionally "_shape" and "CZLX") and returns the valid rows normalised plus one RowError per problem of
the rejected rows. Each field is one lazy query (all run in parallel) over its whole column, over its
distinct values when the column repeats (dates, 处罚机关…) or over its filled rows when mostly empty.
Python only touches rare odd values (full-width text, other date formats and document types) and the
rejected cells, whose Chinese reason it writes (codes.py words the code refusals).

Choices a reviewer should know:
- Dates: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (month and day with 1 or 2 digits), YYYYMMDD and YYYY年M月D日,
  optionally followed by " HH:MM[:SS[.ffffff]]" (or ISO "T…"), which is dropped; full-width digits are
  folded. Anything else (02/03/2023, 23-2-3, Excel serial numbers) is refused, never guessed. Dates
  must lie in 1949-10-01 … 2099-12-31 (2099-12-31 is the standard's "long-term").
- Money (万元): digits with at most 6 decimals, no sign, no thousands separators, at most 12 integer
  digits (fits NUMERIC(18, 6)); stored as a canonical decimal string: "012.500" → "12.5", "3.0" → "3".
- 统一社会信用代码 "00000000000000000X" (the standard's placeholder for a 个体工商户 without a code) is
  stored as null; accepted when the row's subject category is 个体工商户 or the field is not required
  for the row, refused otherwise.
- Multi-valued enums are stored as "警告;罚款" (separators ";"/"；", spaces and empty parts dropped).
- An id_number needs its document type: a number whose type is blank faults the type field.
- Rows with CZLX = 撤销 need only the natural key fields; their other fields are still checked when given.
"""

from __future__ import annotations

import polars as pl

from xinyong.catalog.definitions import (
    FieldDefinition,
    FieldType,
    RecordTypeDefinition,
    SeverityClass,
)
from xinyong.records.validation_checks import CHECKS, first_problem, problem_of, query_checks
from xinyong.records.validation_report import Texts, row_errors
from xinyong.records.validation_rules import (
    INDIVIDUAL_BUSINESS,
    NOT_BEFORE,
    OPERATION,
    OPERATIONS,
    REVOKE,
    ROW,
    SAMPLE,
    SEVERITY,
    SHAPE,
    P,
    RowError,
    ValidatedChunk,
)

_DTYPES = {FieldType.DATE: pl.Date, FieldType.INTEGER: pl.Int64}
_ROWWISE = (FieldType.ID_NUMBER,)  # checked with another column of its row: no dictionary


def _plans(frame: pl.DataFrame, fields: list[FieldDefinition]) -> dict[str, str]:
    """How to check each filled column: once per distinct value ("dictionary", for repetitive columns
    such as 处罚机关 or dates), only its filled rows ("sparse", for mostly empty ones) or every row."""
    height = frame.height
    sample = frame.select(f.code for f in fields if f.type not in _ROWWISE)
    sample = sample.gather_every(max(1, height // (2 * SAMPLE)))
    taken = {c: pl.col(c).drop_nulls().head(SAMPLE) for c in sample.columns}
    stats = frame.select(pl.col(f.code).null_count().alias("n" + f.code) for f in fields).row(0, named=True)
    stats |= sample.select(*(e.n_unique().alias("u" + c) for c, e in taken.items()),
                           *(e.len().alias("l" + c) for c, e in taken.items())).row(0, named=True)
    plans = {}
    for f in (f for f in fields if stats["n" + f.code] < height):
        if f.code in taken and 0 < 2 * stats["u" + f.code] <= stats["l" + f.code]:
            plans[f.code] = "dictionary"
        else:
            plans[f.code] = "sparse" if stats["n" + f.code] * 2 > height else "direct"
    return plans


def _settle(f: FieldDefinition, res: pl.DataFrame, redo: bool) -> tuple[pl.Series, pl.Series]:
    """The value and problem of a field, with the rows its fast path could not settle redone."""
    value, problem = res[f.code], res["!" + f.code]
    if not redo:
        return value, problem
    idx = res["?" + f.code].arg_true()
    kinds = res["@" + f.code].gather(idx) if f.type is FieldType.ID_NUMBER else None
    fixed, found = CHECKS[f.type](f)[1](f, res["~" + f.code].gather(idx), kinds)  # type: ignore[misc]
    return value.scatter(idx, fixed.cast(value.dtype)), problem.scatter(idx, found)




def validate_chunk(frame: pl.DataFrame, definition: RecordTypeDefinition) -> ValidatedChunk:
    """Validate and normalise a chunk of rows of one record type."""
    height, lazy = frame.height, frame.lazy()
    plans = _plans(frame, [f for f in definition.fields if f.code in frame.columns])
    given = [f for f in definition.fields if f.code in plans]
    groups = {plan: [f for f in given if plans[f.code] == plan] for plan in ("direct", "dictionary", "sparse")}
    kinds = {f.code: f.document_type_field if f.document_type_field in frame.columns else None
             for f in given if f.type is FieldType.ID_NUMBER}
    # Repetitive columns' distinct values, and the filled rows of sparse ones (an id_number's with its
    # row's document type), each padded to one height so that one query checks them all.
    filled = {f.code: pl.col(f.code).is_not_null() for f in groups["sparse"]}
    index, lists = pl.collect_all([
        lazy.select(pl.when(e).then(e.cast(pl.UInt32).cum_sum() - 1).alias(c) for c, e in filled.items()),
        lazy.select(*(pl.col(f.code).cast(pl.String).unique().drop_nulls().implode() for f in groups["dictionary"]),
                    *(pl.col(c).cast(pl.String).filter(e).implode() for c, e in filled.items()),
                    *(pl.col(kinds[c]).cast(pl.String).filter(e).implode().alias(c + "@") for c, e in filled.items()
                      if kinds.get(c)))])
    values = {c: lists[c][0].rename(c) for c in lists.columns}
    names = {"~" + f.code: f.code for f in given} | {"@" + c: k for c, k in kinds.items()}
    names |= {"@" + c: c + "@" if c + "@" in values else None for c in filled if c in kinds}
    queries = {"direct": lazy} | {plan: _padded([values[c] for c in values if plans[c.rstrip("@")] == plan])
                                  for plan in ("dictionary", "sparse")}
    planned = [plan for plan in queries if groups[plan]]
    results = dict(zip(planned, pl.collect_all(
        [query_checks([(f, CHECKS[f.type](f)[0]) for f in groups[plan]], queries[plan],
                {n: c for n, c in names.items() if n[1:] in {f.code for f in groups[plan]}}) for plan in planned]),
        strict=True))
    texts, columns = Texts(), []
    for plan, res in results.items():
        flagged = [c for c in res.columns if c[0] == "?"]
        slow = res.select(pl.col(flagged).any()).row(0, named=True) if flagged else {}
        if plan == "dictionary":
            columns += _map_back(groups[plan], res, values, slow)
            texts.columns |= {f.code: (frame[f.code], None) for f in groups[plan]}
            continue
        for f in groups[plan]:
            value, problem = _settle(f, res, slow.get("?" + f.code, False))
            at = index[f.code] if plan == "sparse" else None
            texts.columns[f.code] = (res["~" + f.code], at)
            keep = [value, problem] + ([res["~" + f.code], res["@" + f.code]] if f.code in kinds else [])
            for series in keep:  # back to one value per row
                lit = pl.lit(series) if at is None else pl.lit(series.rechunk()).gather(pl.lit(at))
                columns.append((lit.fill_null(0) if series.name[0] == "!" else lit).alias(series.name))
    absent = [g for g in definition.fields if g.code not in plans]
    columns += [*(pl.lit(None, _DTYPES.get(g.type, pl.String)).alias(g.code) for g in absent),
                *(pl.lit(0, pl.UInt8).alias("!" + g.code) for g in absent),
                *(pl.lit(None, pl.String).alias(p + g.code) for g in absent if g.type is FieldType.ID_NUMBER
                  for p in "~@")]
    revocations = OPERATION in frame.columns and frame[OPERATION].null_count() < height
    out = (_operation(frame, [f.code for f in groups["dictionary"]]).with_columns(columns)
           .with_columns(_requirements(definition, revocations))
           .with_columns((pl.any_horizontal(pl.col("^!.*$") != 0) | pl.col(SHAPE).is_not_null()).alias("_bad"))
           .collect())
    errors = row_errors(out, definition, texts) if out["_bad"].any() else []
    good = out.filter(~pl.col("_bad")).select(ROW, *(f.code for f in definition.fields), OPERATION)
    return ValidatedChunk(good.with_columns(_severity(good, definition)), errors, int(out["_bad"].sum()))


def _padded(columns: list[pl.Series]) -> pl.LazyFrame:
    """Columns of different lengths as one frame, padded with nulls."""
    height = max((len(c) for c in columns), default=0)
    return pl.LazyFrame().select(pl.lit(c).extend_constant(None, height - len(c)).alias(c.name) for c in columns)


def _map_back(fields: list[FieldDefinition], res: pl.DataFrame, raw: dict[str, pl.Series],
              slow: dict[str, bool]) -> list[pl.Expr]:
    """Repetitive columns' values and problems per row from those of their distinct raw values (res, padded):
    usually nothing to map, as most values are fine and stay as they are."""
    settled = {f.code: _settle(f, res, slow.get("?" + f.code, False)) for f in fields}
    settled = {c: (v.head(len(raw[c])), p.head(len(raw[c]))) for c, (v, p) in settled.items()}
    flags = pl.select(*((pl.lit(p) != 0).any().alias("!" + c) for c, (_, p) in settled.items()),
                      *((pl.lit(v) != pl.lit(raw[c])).fill_null(True).any().alias("=" + c)
                        for c, (v, _) in settled.items() if v.dtype == pl.String)).row(0, named=True)
    exprs = []
    for c, (value, problem) in settled.items():
        column, values = pl.col(c).cast(pl.String), raw[c]
        bad = problem != 0 if flags["!" + c] else None
        problems = (column.replace_strict(values.filter(bad), problem.filter(bad), default=0, return_dtype=pl.UInt8)
                    if bad is not None else pl.lit(0, pl.UInt8))
        if value.dtype != pl.String:
            mapped = column.replace_strict(values, value, default=None, return_dtype=value.dtype)
        elif flags["=" + c]:
            changed = (value != values).fill_null(True)
            mapped = column.replace(values.filter(changed), value.filter(changed))
        else:
            mapped = column
        exprs += [mapped.alias(c), problems.fill_null(0).alias("!" + c)]
    return exprs


def _operation(frame: pl.DataFrame, raw: list[str]) -> pl.LazyFrame:
    """_row, _shape, the operation (CZLX: 撤销 kept, 新增/变更/blank → null, upsert) and some raw columns."""
    op = (pl.col(OPERATION).cast(pl.String).str.strip_chars().replace("", None) if OPERATION in frame.columns
          else pl.lit(None, pl.String))
    shape = pl.col(SHAPE).cast(pl.String) if SHAPE in frame.columns else pl.lit(None, pl.String)
    out = frame.lazy().select(pl.col(ROW).cast(pl.Int64), shape.alias(SHAPE), op.alias("~" + OPERATION), *raw)
    op = pl.col("~" + OPERATION)
    return out.with_columns(pl.when(op == REVOKE).then(op).alias(OPERATION), first_problem(
        (op.is_not_null() & ~op.is_in(list(OPERATIONS)), P.OPERATION)).alias("!" + OPERATION))


def _unless(problem: pl.Expr, cond: pl.Expr, new: P) -> pl.Expr:
    """problem, or `new` where cond holds and there is no problem yet."""
    return pl.when((problem == 0) & cond.fill_null(False)).then(problem_of(new)).otherwise(problem)


_REQUIREMENTS: dict[tuple[int, bool], tuple[RecordTypeDefinition, list[pl.Expr]]] = {}


def _requirements(definition: RecordTypeDefinition, revocations: bool) -> list[pl.Expr]:
    """The rules across fields: the no-code placeholder, a number without its document type, required and
    required_if (revocations need only the natural key) and NOT_BEFORE; the earliest problem wins."""
    known = _REQUIREMENTS.get((id(definition), revocations))
    if known is not None and known[0] is definition:
        return known[1]
    if len(_REQUIREMENTS) > 256:
        _REQUIREMENTS.clear()
    exprs: list[pl.Expr] = []
    for f in definition.fields:
        p = new = pl.col("!" + f.code)
        keyed = not revocations or f.code in definition.natural_key
        asked = pl.lit(True) if keyed else pl.col(OPERATION).is_null()
        needed, business, kind = None, pl.lit(False), P.REQUIRED
        if f.required:
            needed = asked
        elif f.required_if is not None:
            ctrl = pl.col(f.required_if.field)  # its normalised value: an invalid one faults the row anyway
            needed = asked & ctrl.is_in(list(f.required_if.values)).fill_null(False)
            business, kind = (ctrl == INDIVIDUAL_BUSINESS).fill_null(False), P.REQUIRED_IF
        if f.type is FieldType.USCC:  # so far NO_CODE only says "placeholder": allowed unless required here
            refused = needed & ~business if needed is not None else pl.lit(False)
            new = pl.when(p == P.NO_CODE).then(first_problem((refused, P.NO_CODE))).otherwise(p)
        numbers = [g.code for g in definition.fields if g.document_type_field == f.code]
        if numbers:
            numbered = pl.any_horizontal(pl.col("~" + c).is_not_null() for c in numbers)
            new = _unless(new, numbered & pl.col(f.code).is_null(), P.DOC_TYPE_MISSING)
        if needed is not None:
            present = (pl.col("~" + f.code).is_not_null() if f.type is FieldType.ID_NUMBER
                       else pl.col(f.code).is_not_null() | ((p != 0) & (p != P.NO_CODE)))
            new = _unless(new, needed & ~present & (p != P.NO_CODE), kind)
        for other in (o for o in NOT_BEFORE.get(f.code, ()) if o in definition.field_map):
            new = _unless(new, pl.col(f.code) < pl.col(other), P.NOT_BEFORE)
        if new is not p:
            exprs.append(new.alias("!" + f.code))
    _REQUIREMENTS[id(definition), revocations] = (definition, exprs)
    return exprs


def _severity(good: pl.DataFrame, definition: RecordTypeDefinition) -> pl.Expr:
    """definition.classify over columns: each distinct rule-field value is classified once."""
    ranks = []
    for code in dict.fromkeys(r.field for r in definition.severity.rules):
        mapping = {v: definition.classify({code: v}).rank for v in good[code].unique().drop_nulls().to_list()}
        ranks.append(pl.col(code).replace_strict(mapping, default=None, return_dtype=pl.Int8))
    if not ranks:
        return pl.lit(definition.severity.default.value, pl.String).alias(SEVERITY)
    names = pl.Series([c.value for c in SeverityClass])
    rank = pl.max_horizontal(*ranks).fill_null(definition.severity.default.rank)
    return pl.lit(names).gather(rank).alias(SEVERITY)


__all__ = ["REVOKE", "RowError", "ValidatedChunk", "validate_chunk"]
