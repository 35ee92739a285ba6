"""Per-field-type checks of row validation: each returns helper stages, the value, the problem and the rows
Python must redo (see validation.py for the choices: dates, money, codes, placeholders)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache

import polars as pl

from xinyong.catalog.definitions import DOCUMENT_TYPES, FieldDefinition, FieldType
from xinyong.records import vector_codes as vc
from xinyong.records.validation_rules import (
    DOCUMENT_TYPE_ALIASES,
    EARLIEST,
    LATEST,
    MONEY_INTEGER_DIGITS,
    NO_CODE,
    RESIDENT_ID,
    Check,
    FastCheck,
    Helper,
    P,
    SlowCheck,
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



def problem_of(problem: P) -> pl.Expr:
    return pl.lit(int(problem), pl.UInt8)


def first_problem(*pairs: tuple[pl.Expr, P]) -> pl.Expr:
    """The first problem whose condition holds, else OK."""
    if len(pairs) == 1:
        return pairs[0][0].fill_null(False).cast(pl.UInt8) * problem_of(pairs[0][1])
    chain = pl.when(pairs[0][0].fill_null(False)).then(problem_of(pairs[0][1]))
    for cond, problem in pairs[1:]:
        chain = chain.when(cond.fill_null(False)).then(problem_of(problem))
    return chain.otherwise(problem_of(P.OK))


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


def query_checks(checks: list[tuple[FieldDefinition, FastCheck]], raw: pl.LazyFrame,
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
        out = query_checks([(f, check)], prepare(sub).rename(f.code).to_frame().lazy(), {"~" + f.code: f.code}).collect()
        return out[f.code], out["!" + f.code]
    return slow


def _string(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Single-line strings (short: a regex scan for control characters is cheap)."""
    too_long = t.str.len_chars() > f.max_length if f.max_length else pl.lit(False)
    return {}, t, first_problem((too_long, P.TOO_LONG), (t.str.contains(_CONTROL[False]), P.CONTROL)), None


def _text(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Long texts: JSON escapes exactly C0 controls, '"' and '\' and is faster than a regex, so only
    values that grow in JSON (or hold DEL) may hold a control character: _control looks at those."""
    grew = pl.struct(t.alias("t")).struct.json_encode().str.len_bytes() - t.str.len_bytes() > _JSON_EMPTY
    too_long = t.str.len_chars() > f.max_length if f.max_length else pl.lit(False)
    helpers = {"odd": grew | t.str.contains("\x7f", literal=True), "long": too_long.fill_null(False)}
    return helpers, t, first_problem((h("long"), P.TOO_LONG)), h("odd") & ~h("long")


def _control(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    return {}, t, first_problem((t.str.contains(_CONTROL[True]), P.CONTROL)), None


def _line_breaks(s: pl.Series) -> pl.Series:
    """Windows line ends in text are line breaks, not control characters."""
    return s.str.replace_all("\r\n?", "\n")


def _enum(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    odd = t.is_not_null() & ~t.is_in(list(f.enum))
    return {"odd": odd}, t, first_problem((h("odd"), P.ENUM)), h("odd") if f.multi else None


def _canonical_parts(s: pl.Series) -> pl.Series:
    """"警告；罚款 ;" → "警告;罚款"; nothing but separators → null (blank)."""
    return s.str.replace_all(r"[\s;；]*[;；][\s;；]*", ";").str.strip_chars(";").replace("", None)


def _members(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    member = "(?:" + "|".join(re.escape(v) for v in f.enum) + ")"
    return {}, t, first_problem((t.is_not_null() & ~t.str.contains(f"^{member}(?:;{member})*$"), P.ENUM)), None


def _date_check(parsed: pl.Expr, t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    problem = first_problem((t.is_not_null() & parsed.is_null(), P.DATE_FORMAT),
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
    return {"ok": ok}, pl.when(h("ok")).then(t), problem_of(P.OK), t.is_not_null() & ~h("ok")


def _any_money(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    parts = t.str.split_exact(".", 1)
    helpers = {"ok": t.str.contains(r"^[0-9]+(?:\.[0-9]{1,6})?$"),
               "whole": parts.struct.field("field_0").str.strip_chars_start("0").replace("", "0"),
               "frac": parts.struct.field("field_1").str.strip_chars_end("0").replace("", None)}
    value = pl.when(h("ok")).then(pl.concat_str(h("whole"), h("frac"), separator=".", ignore_nulls=True))
    grouped = t.str.contains(r"^[0-9]{1,3}(?:[,，][0-9]{3})+(?:\.[0-9]+)?$")
    problem = first_problem((~h("ok") & grouped, P.MONEY_COMMA), (~h("ok"), P.MONEY),
                     (h("whole").str.len_bytes() > MONEY_INTEGER_DIGITS, P.MONEY_BIG))
    return helpers, value, problem, None


def _integer(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    value = pl.when(h("ok")).then(t.str.to_integer(strict=False))
    ok = t.str.contains("^[0-9]{1,18}$")
    return {"ok": ok}, value, first_problem((~h("ok"), P.INTEGER)), t.is_not_null() & ~h("ok")


def _region(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    value = pl.when(h("ok")).then(t)
    return {"ok": vc.region_ok(t)}, value, first_problem((~h("ok"), P.REGION)), t.is_not_null() & ~h("ok")


_KINDS = {k: k for k in DOCUMENT_TYPES} | DOCUMENT_TYPE_ALIASES  # every accepted name → DocumentType value


def _kind(t: pl.Expr) -> pl.Expr:
    """A document type's canonical name (DocumentType value), aliases resolved; null when unknown."""
    return t.replace_strict(_KINDS, default=None, return_dtype=pl.String)


def _document_type(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    return {"v": _kind(t)}, h("v"), first_problem((t.is_not_null() & h("v").is_null(), P.DOC_TYPE)), None


def _uscc(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Plain ASCII codes are checked as they are (upper-cased on output); the others are normalised first."""
    placeholder = (t == NO_CODE) | (t == NO_CODE.lower())
    problem = first_problem((placeholder, P.NO_CODE), (~h("ok"), P.CODE))
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
    problem = first_problem((h("long"), P.TOO_LONG), (h("res") & ~h("ok"), P.CODE))
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
    return value, pl.select(first_problem((pl.lit(value).is_null(), P.CODE))).to_series()



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
