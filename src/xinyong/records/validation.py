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

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

import polars as pl

from xinyong.catalog.definitions import (
    DOCUMENT_TYPES,
    FieldDefinition,
    FieldType,
    RecordTypeDefinition,
    SeverityClass,
)
from xinyong.records import vector_codes as vc
from xinyong.records.validation_report import Texts, row_errors
from xinyong.records.validation_rules import (
    DOCUMENT_TYPE_ALIASES,
    EARLIEST,
    INDIVIDUAL_BUSINESS,
    LATEST,
    MONEY_INTEGER_DIGITS,
    NO_CODE,
    NOT_BEFORE,
    OPERATION,
    OPERATIONS,
    RESIDENT_ID,
    REVOKE,
    ROW,
    SAMPLE,
    SEVERITY,
    SHAPE,
    Check,
    FastCheck,
    Helper,
    P,
    RowError,
    SlowCheck,
    ValidatedChunk,
    check_document,
)

_FOLD_FROM = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]  # full-width ASCII and space
_FOLD_TO = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
_DATE_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATE_RE = (r"^([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})|\.([0-9]{1,2})\.([0-9]{1,2})"
            r"|([0-9]{2})([0-9]{2})|年([0-9]{1,2})月([0-9]{1,2})日)"
            r"(?:(?: +|T)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?)?$")
_NOT_A_DATE = date(1, 1, 1)  # a recognised date shape naming no real day (2023-02-30)
_MONEY_CANONICAL = rf"^(?:0|[1-9][0-9]{{0,{MONEY_INTEGER_DIGITS - 1}}})(?:\.[0-9]{{0,5}}[1-9])?$"
_CONTROL = {False: r"[\x00-\x1f\x7f]", True: r"[\x00-\x08\x0b-\x1f\x7f]"}  # text keeps \t and \n
_JSON_EMPTY = len('{"t":""}')



def _p(problem: P) -> pl.Expr:
    return pl.lit(int(problem), pl.UInt8)


def _first(*pairs: tuple[pl.Expr, P]) -> pl.Expr:
    """The first problem whose condition holds, else OK."""
    if len(pairs) == 1:
        return pairs[0][0].fill_null(False).cast(pl.UInt8) * _p(pairs[0][1])
    chain = pl.when(pairs[0][0].fill_null(False)).then(_p(pairs[0][1]))
    for cond, problem in pairs[1:]:
        chain = chain.when(cond.fill_null(False)).then(_p(problem))
    return chain.otherwise(_p(P.OK))


def _fold(s: pl.Series) -> pl.Series:
    return s.str.replace_many(_FOLD_FROM, _FOLD_TO)


@lru_cache(maxsize=4096)
def _compiled(f: FieldDefinition, check: FastCheck, today: date) -> tuple[list[dict[str, pl.Expr]], list[pl.Expr]]:
    """A check's helper stages (columns "CODE:name") and outputs: "~CODE" text, CODE value, "!CODE"
    problem, "?CODE" rows for the slow check, "@CODE" an id_number's document type (today: see vc)."""
    def h(name: str) -> pl.Expr:
        return pl.col(f"{f.code}:{name}")
    stages, value, problem, slow = check(f, pl.col("~" + f.code), h)
    named = [{f"{f.code}:{k}": e for k, e in stage.items()} for stage in
             (stages if isinstance(stages, list) else [stages])]
    outputs = [pl.col("~" + f.code), value.alias(f.code), problem.alias("!" + f.code)]
    if slow is not None:
        outputs.append(slow.fill_null(False).alias("?" + f.code))
    if f.type is FieldType.ID_NUMBER:
        outputs.append(pl.col("@" + f.code))
    return named, outputs


def _query(checks: list[tuple[FieldDefinition, FastCheck]], raw: pl.LazyFrame,
           names: dict[str, str | None]) -> pl.LazyFrame:
    """Checks of several fields as one lazy query over raw columns (names: "~CODE", and "@CODE" for an
    id_number's document type → the raw column, None when absent), stripped, blank → null."""
    texts = raw.select(pl.col(c).cast(pl.String).str.strip_chars().alias(n) if c is not None
                       else pl.lit(None, pl.String).alias(n) for n, c in names.items())
    texts = texts.with_columns(pl.when(pl.col(n).str.len_bytes() > 0).then(pl.col(n)) for n in names)
    texts = texts.with_columns(_kind(pl.col(n)) for n in names if n[0] == "@")
    compiled = [_compiled(f, check, date.today()) for f, check in checks]
    for depth in range(max((len(stages) for stages, _ in compiled), default=0)):
        texts = texts.with_columns(**{k: e for stages, _ in compiled if depth < len(stages)
                                      for k, e in stages[depth].items()})
    return texts.select(e for _, outputs in compiled for e in outputs)


def _redo(prepare: Callable[[pl.Series], pl.Series], check: FastCheck) -> SlowCheck:
    """A slow check: prepare the few odd texts (fold, normalise…), then check them."""
    def slow(f: FieldDefinition, sub: pl.Series, kinds: pl.Series | None) -> tuple[pl.Series, pl.Series]:
        out = _query([(f, check)], prepare(sub).rename(f.code).to_frame().lazy(), {"~" + f.code: f.code}).collect()
        return out[f.code], out["!" + f.code]
    return slow


def _string(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Single-line strings (short: a regex scan for control characters is cheap)."""
    too_long = t.str.len_chars() > f.max_length if f.max_length else pl.lit(False)
    return {}, t, _first((too_long, P.TOO_LONG), (t.str.contains(_CONTROL[False]), P.CONTROL)), None


def _text(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Long texts: JSON escapes exactly C0 controls, '"' and '\' and is faster than a regex, so only
    values that grow in JSON (or hold DEL) may hold a control character: _control looks at those."""
    grew = pl.struct(t.alias("t")).struct.json_encode().str.len_bytes() - t.str.len_bytes() > _JSON_EMPTY
    too_long = t.str.len_chars() > f.max_length if f.max_length else pl.lit(False)
    helpers = {"odd": grew | t.str.contains("\x7f", literal=True), "long": too_long.fill_null(False)}
    return helpers, t, _first((h("long"), P.TOO_LONG)), h("odd") & ~h("long")


def _control(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    return {}, t, _first((t.str.contains(_CONTROL[True]), P.CONTROL)), None


def _line_breaks(s: pl.Series) -> pl.Series:
    """Windows line ends in text are line breaks, not control characters."""
    return s.str.replace_all("\r\n?", "\n")


def _enum(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    odd = t.is_not_null() & ~t.is_in(list(f.enum))
    return {"odd": odd}, t, _first((h("odd"), P.ENUM)), h("odd") if f.multi else None


def _canonical_parts(s: pl.Series) -> pl.Series:
    """"警告；罚款 ;" → "警告;罚款"; nothing but separators → null (blank)."""
    return s.str.replace_all(r"[\s;；]*[;；][\s;；]*", ";").str.strip_chars(";").replace("", None)


def _members(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    member = "(?:" + "|".join(re.escape(v) for v in f.enum) + ")"
    return {}, t, _first((t.is_not_null() & ~t.str.contains(f"^{member}(?:;{member})*$"), P.ENUM)), None


def _date_check(parsed: pl.Expr, t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    problem = _first((t.is_not_null() & parsed.is_null(), P.DATE_FORMAT),
                     (parsed == _NOT_A_DATE, P.DATE_INVALID), (~parsed.is_between(EARLIEST, LATEST), P.DATE_RANGE))
    return pl.when(parsed.is_between(EARLIEST, LATEST)).then(parsed), problem


def _date(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    iso = t.str.to_date("%Y-%m-%d", strict=False).fill_null(_NOT_A_DATE)
    parsed = pl.when(t.str.contains(_DATE_ISO)).then(iso)
    return {"d": parsed}, *_date_check(h("d"), t), t.is_not_null() & h("d").is_null()


def _any_date(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    part = h("g").struct.field
    month = pl.coalesce(*(part(str(i)) for i in (2, 4, 6, 8, 10))).str.zfill(2)
    day = pl.coalesce(*(part(str(i)) for i in (3, 5, 7, 9, 11))).str.zfill(2)
    ymd = pl.concat_str(part("1"), month, day).str.to_date("%Y%m%d", strict=False).fill_null(_NOT_A_DATE)
    return [{"g": t.str.extract_groups(_DATE_RE)}, {"d": pl.when(part("1").is_not_null()).then(ymd)}], \
        *_date_check(h("d"), t), None


def _money(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Values already canonical ("12.5", "0", "3") pass as they are; the others go through _any_money."""
    ok = t.str.contains(_MONEY_CANONICAL)
    return {"ok": ok}, pl.when(h("ok")).then(t), _p(P.OK), t.is_not_null() & ~h("ok")


def _any_money(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    parts = t.str.split_exact(".", 1)
    helpers = {"ok": t.str.contains(r"^[0-9]+(?:\.[0-9]{1,6})?$"),
               "whole": parts.struct.field("field_0").str.strip_chars_start("0").replace("", "0"),
               "frac": parts.struct.field("field_1").str.strip_chars_end("0").replace("", None)}
    value = pl.when(h("ok")).then(pl.concat_str(h("whole"), h("frac"), separator=".", ignore_nulls=True))
    grouped = t.str.contains(r"^[0-9]{1,3}(?:[,，][0-9]{3})+(?:\.[0-9]+)?$")
    problem = _first((~h("ok") & grouped, P.MONEY_COMMA), (~h("ok"), P.MONEY),
                     (h("whole").str.len_bytes() > MONEY_INTEGER_DIGITS, P.MONEY_BIG))
    return helpers, value, problem, None


def _integer(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    value = pl.when(h("ok")).then(t.str.to_integer(strict=False))
    ok = t.str.contains("^[0-9]{1,18}$")
    return {"ok": ok}, value, _first((~h("ok"), P.INTEGER)), t.is_not_null() & ~h("ok")


def _region(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    value = pl.when(h("ok")).then(t)
    return {"ok": vc.region_ok(t)}, value, _first((~h("ok"), P.REGION)), t.is_not_null() & ~h("ok")


_KINDS = {k: k for k in DOCUMENT_TYPES} | DOCUMENT_TYPE_ALIASES  # every accepted name → DocumentType value


def _kind(t: pl.Expr) -> pl.Expr:
    """A document type's canonical name (DocumentType value), aliases resolved; null when unknown."""
    return t.replace_strict(_KINDS, default=None, return_dtype=pl.String)


def _document_type(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    return {"v": _kind(t)}, h("v"), _first((t.is_not_null() & h("v").is_null(), P.DOC_TYPE)), None


def _uscc(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Plain ASCII codes are checked as they are (upper-cased on output); the others are normalised first."""
    placeholder = (t == NO_CODE) | (t == NO_CODE.lower())
    problem = _first((placeholder, P.NO_CODE), (~h("ok"), P.CODE))
    return {"ok": vc.uscc_ok(t)}, pl.when(h("ok")).then(t.str.to_uppercase()), problem, \
        t.is_not_null() & ~h("ok") & ~placeholder


def _id_number(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """居民身份证 numbers of the right shape here ("@CODE" holds the row's document type); the others,
    full-width or wrongly shaped ones included, in _id_slow."""
    too_long = t.str.len_chars() > f.max_length if f.max_length else pl.lit(False)
    kind = pl.col("@" + f.code)
    resident = (kind == RESIDENT_ID) & t.str.contains("^(?:[0-9]{17}[0-9X]|[0-9]{15})$")
    number = pl.when(h("res") & ~h("long")).then(t)
    stages = [{"long": too_long.fill_null(False), "res": resident.fill_null(False)},
              *vc.resident_id_stages(number, shaped=h("v").is_not_null(), col=h)]
    problem = _first((h("long"), P.TOO_LONG), (h("res") & ~h("ok"), P.CODE))
    return stages, h("number"), problem, t.is_not_null() & kind.is_not_null() & ~h("long") & ~h("res")


def _id_slow(f: FieldDefinition, numbers: pl.Series, kinds: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Full-width 居民身份证 numbers (vectorised) and the other document types (codes.validate_document)."""
    value = pl.repeat(None, len(numbers), dtype=pl.String, eager=True)
    resident = (kinds == RESIDENT_ID).fill_null(False)
    if resident.any():
        idx = resident.arg_true()
        value = value.scatter(idx, vc.resident_id(vc.normalize(numbers.gather(idx)))[0])
    if not resident.all():  # the other document types are rare: row by row
        idx = (~resident).arg_true()
        checked = [check_document(k, v)[0] for k, v in zip(kinds.gather(idx), numbers.gather(idx), strict=True)]
        value = value.scatter(idx, pl.Series(checked, dtype=pl.String))
    return value, pl.select(_first((pl.lit(value).is_null(), P.CODE))).to_series()



CHECKS: dict[FieldType, Callable[[FieldDefinition], tuple[FastCheck, SlowCheck | None]]] = {
    FieldType.STRING: lambda f: (_string, None),
    FieldType.TEXT: lambda f: (_text, _redo(_line_breaks, _control)),
    FieldType.ENUM: lambda f: (_enum, _redo(_canonical_parts, _members)),
    FieldType.DATE: lambda f: (_date, _redo(_fold, _any_date)),
    FieldType.MONEY: lambda f: (_money, _redo(_fold, _any_money)),
    FieldType.INTEGER: lambda f: (_integer, _redo(_fold, _integer)),
    FieldType.REGION: lambda f: (_region, _redo(_fold, _region)),
    FieldType.DOCUMENT_TYPE: lambda f: (_document_type, None),
    FieldType.USCC: lambda f: (_uscc, _redo(vc.normalize, _uscc)),
    FieldType.ID_NUMBER: lambda f: (_id_number, _id_slow),
}
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
        [_query([(f, CHECKS[f.type](f)[0]) for f in groups[plan]], queries[plan],
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
    return out.with_columns(pl.when(op == REVOKE).then(op).alias(OPERATION), _first(
        (op.is_not_null() & ~op.is_in(list(OPERATIONS)), P.OPERATION)).alias("!" + OPERATION))


def _unless(problem: pl.Expr, cond: pl.Expr, new: P) -> pl.Expr:
    """problem, or `new` where cond holds and there is no problem yet."""
    return pl.when((problem == 0) & cond.fill_null(False)).then(_p(new)).otherwise(problem)


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
            new = pl.when(p == P.NO_CODE).then(_first((refused, P.NO_CODE))).otherwise(p)
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
