"""Row validation of collected records (归集) against their catalogue type, vectorised with polars.

validate_chunk() takes a chunk as the readers make it (one pl.String column per field code, "_row",
optionally "_shape" and "CZLX") and returns the valid rows normalised plus one RowError per problem
of the rejected rows. Every check runs on whole columns; Python only touches the rare odd values
(full-width text, other document types) and the rejected cells, whose Chinese reason it writes.

Choices a reviewer should know:
- Dates: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (month and day with 1 or 2 digits), YYYYMMDD and
  YYYY年M月D日, optionally followed by " HH:MM[:SS[.ffffff]]" (or ISO "T…"), which is dropped; full-width
  digits are folded. Anything else (02/03/2023, 23-2-3, Excel serial numbers) is refused, never guessed.
  Dates must lie in 1949-10-01 … 2099-12-31 (2099-12-31 is the standard's "long-term").
- Money (万元): digits with at most 6 decimals, no sign, no thousands separators, at most 12 integer
  digits (fits NUMERIC(18, 6)); stored as a canonical decimal string: "012.500" → "12.5", "3.0" → "3".
- 统一社会信用代码 "00000000000000000X" (the standard's placeholder for a 个体工商户 without a code) is
  stored as null; it is accepted when the row's subject category is 个体工商户 or the field is not
  required for the row, and refused otherwise.
- An id_number needs its document type; a number whose type is blank is refused on the type field.
- Rows with CZLX = 撤销 only need the natural key fields; their other fields are still checked when given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import polars as pl

from xinyong import codes, masking
from xinyong.catalog.definitions import (DOCUMENT_TYPES, MULTI_SEPARATORS, FieldDefinition, FieldType,
                                         RecordTypeDefinition, SeverityClass)
from xinyong.records import vector_codes as vc

ROW, SHAPE, OPERATION, SEVERITY = "_row", "_shape", "CZLX", "_severity"
REVOKE = "撤销"
OPERATIONS = ("新增", "变更", REVOKE)  # blank = 新增 or 变更 (upsert by natural key)
EARLIEST, LATEST = date(1949, 10, 1), date(2099, 12, 31)
NO_CODE = "0" * 17 + "X"
INDIVIDUAL_BUSINESS = "个体工商户"
SHOWN = 60  # characters of a value shown in an error before "…"
MONEY_INTEGER_DIGITS = 12

# Date fields that may not lie before other date fields of the same row. This belongs in the
# catalogue (a `not_before:` key on the field) once its format grows one.
NOT_BEFORE: dict[str, tuple[str, ...]] = {
    "CF_YXQ": ("CF_JDRQ",), "CF_GSJZQ": ("CF_JDRQ",), "XK_YXQZI": ("XK_JDRQ", "XK_YXQZ"),
    "JL_YXQZ": ("JL_JDRQ",), "CN_YXQZ": ("CN_RQ",), "QZ_JZRQ": ("QZ_JDRQ",), "SX_SXQXZ": ("SX_FBRQ",),
}
# Common names of the document types (the DocumentType member names are accepted too). "港澳通行证"
# is deliberately absent: it usually means the mainlanders' 往来港澳通行证, a different document.
DOCUMENT_TYPE_ALIASES: dict[str, str] = {
    **{name: kind.value for name, kind in codes.DocumentType.__members__.items()},
    **dict.fromkeys(["身份证", "二代身份证", "第二代居民身份证", "中华人民共和国居民身份证", "公民身份号码",
                     "公民身份证", "身份证号", "身份证号码", "居民身份证号码"], "居民身份证"),
    "回乡证": "港澳居民来往内地通行证", "台胞证": "台湾居民来往大陆通行证",
    **dict.fromkeys(["港澳居民居住证", "台湾居民居住证"], "港澳台居民居住证"),
    **dict.fromkeys(["外国人永久居留证", "外国人永久居留身份证件"], "外国人永久居留身份证"),
    **dict.fromkeys(["中国护照", "外国护照", "普通护照", "中华人民共和国护照"], "护照"),
}

_FOLD_FROM = [chr(c) for c in range(0xFF01, 0xFF5F)] + ["\u3000"]  # full-width ASCII and space
_FOLD_TO = [chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)] + [" "]
_DATE_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATE_RE = (r"^([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})|\.([0-9]{1,2})\.([0-9]{1,2})"
            r"|([0-9]{2})([0-9]{2})|年([0-9]{1,2})月([0-9]{1,2})日)"
            r"(?:(?: +|T)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?)?$")
_NOT_A_DATE = date(1, 1, 1)  # a recognised date shape naming no real day (2023-02-30)
_MONEY_RE = r"^[0-9]+(?:\.[0-9]{1,6})?$"
_CONTROL = {False: r"[\x00-\x1f\x7f]", True: r"[\x00-\x08\x0b-\x1f\x7f]"}  # text keeps \t and \n
_JSON_EMPTY = len('{"t":""}')


class P(IntEnum):
    """Problem found in a cell; 0 = none."""

    OK, REQUIRED, REQUIRED_IF, NO_CODE, TOO_LONG, CONTROL, DATE_FORMAT, DATE_INVALID, DATE_RANGE = range(9)
    ENUM, MONEY, MONEY_COMMA, MONEY_BIG, INTEGER, CODE, REGION, DOC_TYPE, DOC_TYPE_MISSING = range(9, 18)
    OPERATION, NOT_BEFORE = 18, 19


@dataclass(frozen=True)
class RowError:
    """One problem of one source row; value is masked when the field is personal, clipped when long."""

    row: int
    field: str
    label: str
    value: str
    reason: str


@dataclass
class ValidatedChunk:
    """The valid rows (normalised) and the problems of the rejected ones."""

    frame: pl.DataFrame
    errors: list[RowError]
    rejected_rows: int


# A check gives helper columns computed first from the text t (one dict, or a list of dicts computed
# in turn), then expressions over them (`h(name)`) for the normalised value, the problem (UInt8 P)
# and, optionally, the rows its fast path cannot settle; a slow check redoes those few rows.
Stages = dict[str, pl.Expr] | list[dict[str, pl.Expr]]
Check = tuple[Stages, pl.Expr, pl.Expr, pl.Expr | None]
Helper = Callable[[str], pl.Expr]
FastCheck = Callable[[FieldDefinition, pl.Expr, Helper], Check]
SlowCheck = Callable[..., tuple[pl.Series, pl.Series]]


def _p(problem: P) -> pl.Expr:
    return pl.lit(int(problem), pl.UInt8)


def _first(*pairs: tuple[pl.Expr, P]) -> pl.Expr:
    """The first problem whose condition holds, else OK."""
    if len(pairs) == 1:
        return pairs[0][0].fill_null(False).cast(pl.UInt8) * pl.lit(int(pairs[0][1]), pl.UInt8)
    chain = pl.when(pairs[0][0].fill_null(False)).then(_p(pairs[0][1]))
    for cond, problem in pairs[1:]:
        chain = chain.when(cond.fill_null(False)).then(_p(problem))
    return chain.otherwise(_p(P.OK))


def _fold(s: pl.Series) -> pl.Series:
    return s.str.replace_many(_FOLD_FROM, _FOLD_TO)


def _run(f: FieldDefinition, texts: pl.LazyFrame, check: FastCheck) -> pl.LazyFrame:
    """A fast check as a lazy query over texts "t" (and "k", an id_number's document type)."""
    stages, value, problem, slow = check(f, pl.col("t"), lambda k: pl.col("h" + k))
    for stage in stages if isinstance(stages, list) else [stages]:
        texts = texts.with_columns(**{k if k.startswith("ric_") else "h" + k: e for k, e in stage.items()})
    exprs = [pl.col("t").alias("~" + f.code), value.alias(f.code), problem.alias("!" + f.code)]
    if slow is not None:
        exprs.append(slow.fill_null(False).alias("?" + f.code))
    if f.type is FieldType.ID_NUMBER:
        exprs.append(pl.col("k").alias("@" + f.code))
    return texts.select(exprs)


def _on(f: FieldDefinition, sub: pl.Series, check: FastCheck) -> tuple[pl.Series, pl.Series]:
    """Run a fast check over a few rows' (prepared) text."""
    out = _run(f, sub.rename("t").to_frame().lazy(), check).collect()
    return out[f.code], out["!" + f.code]


def _plain(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    # JSON escapes exactly C0 controls, '"' and '\': a value that grows may hold a control character.
    grew = pl.struct(t.alias("t")).struct.json_encode().str.len_bytes() - t.str.len_bytes() > _JSON_EMPTY
    helpers = {"odd": grew | t.str.contains("\x7f", literal=True)}
    if f.max_length:
        helpers["long"] = t.str.len_chars() > f.max_length
    too_long = h("long") if f.max_length else pl.lit(False)
    return helpers, t, _first((too_long, P.TOO_LONG)), h("odd") & ~too_long.fill_null(False)


def _plain_slow(f: FieldDefinition, sub: pl.Series) -> tuple[pl.Series, pl.Series]:
    text = f.type is FieldType.TEXT
    if text:  # Windows line ends are line breaks, not control characters
        sub = sub.str.replace_all("\r\n?", "\n")
    return sub, pl.select(_first((pl.lit(sub).str.contains(_CONTROL[text]), P.CONTROL))).to_series()


def _enum(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    odd = t.is_not_null() & ~t.is_in(list(f.enum))
    return {"odd": odd}, t, _first((h("odd"), P.ENUM)), h("odd") if f.multi else None


def _enum_slow(f: FieldDefinition, sub: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Multi-valued enums: "警告；罚款 ;" → "警告;罚款", every part a member; only separators = blank."""
    canon = sub.str.replace_all(r"[\s;；]*[;；][\s;；]*", ";").str.strip_chars(";").replace("", None)
    member = "(?:" + "|".join(re.escape(v) for v in f.enum) + ")"
    wrong = canon.is_not_null() & ~canon.str.contains(f"^{member}(?:;{member})*$")
    return canon, pl.select(_first((pl.lit(wrong), P.ENUM))).to_series()


def _date_check(parsed: pl.Expr, t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    problem = _first((t.is_not_null() & parsed.is_null(), P.DATE_FORMAT), (parsed == _NOT_A_DATE, P.DATE_INVALID),
                     (~parsed.is_between(EARLIEST, LATEST), P.DATE_RANGE))
    return pl.when(parsed.is_between(EARLIEST, LATEST)).then(parsed), problem


def _date(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    parsed = pl.when(t.str.contains(_DATE_ISO)).then(t.str.to_date("%Y-%m-%d", strict=False).fill_null(_NOT_A_DATE))
    return {"d": parsed}, *_date_check(h("d"), t), t.is_not_null() & h("d").is_null()


def _date_slow(f: FieldDefinition, sub: pl.Series) -> tuple[pl.Series, pl.Series]:
    groups = _fold(sub).str.extract_groups(_DATE_RE).struct.unnest().with_columns(t=sub)
    month = pl.coalesce(*(pl.col(str(i)) for i in (2, 4, 6, 8, 10))).str.zfill(2)
    day = pl.coalesce(*(pl.col(str(i)) for i in (3, 5, 7, 9, 11))).str.zfill(2)
    ymd = pl.concat_str(pl.col("1"), month, day).str.to_date("%Y%m%d", strict=False).fill_null(_NOT_A_DATE)
    out = groups.with_columns(d=pl.when(pl.col("1").is_not_null()).then(ymd))
    value, problem = _date_check(pl.col("d"), pl.col("t"))
    out = out.select(value.alias("v"), problem.alias("p"))
    return out["v"], out["p"]


def _money(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Fast path: values already canonical ("12.5", "0", "3"); the others go through _money_slow."""
    ok = t.str.contains(r"^(?:0|[1-9][0-9]{0,%d})(?:\.[0-9]{0,5}[1-9])?$" % (MONEY_INTEGER_DIGITS - 1))
    return {"ok": ok}, pl.when(h("ok")).then(t), _p(P.OK), t.is_not_null() & ~h("ok")


def _money_full(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    parts = t.str.split_exact(".", 1)
    helpers = {"ok": t.str.contains(_MONEY_RE), "whole": parts.struct.field("field_0").str.strip_chars_start("0"),
               "frac": parts.struct.field("field_1").str.strip_chars_end("0").replace("", None)}
    whole = h("whole").replace("", "0")
    value = pl.when(h("ok")).then(pl.concat_str(whole, h("frac"), separator=".", ignore_nulls=True))
    grouped = t.str.contains(r"^[0-9]{1,3}(?:[,，][0-9]{3})+(?:\.[0-9]+)?$")
    problem = _first((~h("ok") & grouped, P.MONEY_COMMA), (~h("ok"), P.MONEY),
                     (h("whole").str.len_bytes() > MONEY_INTEGER_DIGITS, P.MONEY_BIG))
    return helpers, value, problem, None


def _integer(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    value = pl.when(h("ok")).then(t.str.to_integer(strict=False))
    return {"ok": t.str.contains("^[0-9]{1,18}$")}, value, _first((~h("ok"), P.INTEGER)), t.is_not_null() & ~h("ok")


def _region(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    return {"ok": vc.region_ok(t)}, pl.when(h("ok")).then(t), _first((~h("ok"), P.REGION)), t.is_not_null() & ~h("ok")


def _kind(t: pl.Expr) -> pl.Expr:
    """A document type's canonical name (DocumentType value), aliases resolved; null when unknown."""
    value = t.replace(list(DOCUMENT_TYPE_ALIASES), list(DOCUMENT_TYPE_ALIASES.values()))
    return pl.when(value.is_in(list(DOCUMENT_TYPES))).then(value)


def _document_type(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    return {"v": _kind(t)}, h("v"), _first((t.is_not_null() & h("v").is_null(), P.DOC_TYPE)), None


def _uscc(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Plain ASCII codes are checked as they are (upper-cased on output); the others are normalised first."""
    placeholder = (t == NO_CODE) | (t == NO_CODE.lower())
    value = pl.when(h("ok")).then(t.str.to_uppercase())
    problem = _first((placeholder, P.NO_CODE), (~h("ok"), P.CODE))
    return {"ok": vc.uscc_ok(t)}, value, problem, t.is_not_null() & ~h("ok") & ~placeholder


def _id_number(f: FieldDefinition, t: pl.Expr, h: Helper) -> Check:
    """Plain 居民身份证 numbers here (column "k" holds the row's document type); the rest in _id_slow."""
    resident = (pl.col("k") == codes.DocumentType.RESIDENT_ID.value) & vc.is_plain(t)
    too_long = t.str.len_chars() > f.max_length if f.max_length else pl.lit(False)
    stages = [{"long": too_long.fill_null(False), "res": resident.fill_null(False)},
              *vc.resident_id_stages(pl.when(h("res") & ~h("long")).then(t.str.to_uppercase()))]
    problem = _first((h("long"), P.TOO_LONG), (h("res") & ~pl.col("ric_ok"), P.CODE))
    slow = t.is_not_null() & pl.col("k").is_not_null() & ~h("long") & ~h("res")
    return stages, pl.col("ric_number"), problem, slow


def _id_slow(f: FieldDefinition, numbers: pl.Series, kinds: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Full-width 居民身份证 numbers (vectorised) and the other document types (codes.validate_document)."""
    value = pl.repeat(None, len(numbers), dtype=pl.String, eager=True)
    resident = (kinds == codes.DocumentType.RESIDENT_ID.value).fill_null(False)
    if resident.any():
        idx = resident.arg_true()
        value = value.scatter(idx, vc.resident_id(vc.normalize(numbers.gather(idx)))[0])
    if not resident.all():  # the other document types are rare: row by row
        idx = (~resident).arg_true()
        checked = [_document(k, v)[0] for k, v in zip(kinds.gather(idx), numbers.gather(idx), strict=True)]
        value = value.scatter(idx, pl.Series(checked, dtype=pl.String))
    return value, pl.select(_first((pl.lit(value).is_null(), P.CODE))).to_series()


def _document(kind: str, number: str) -> tuple[str | None, codes.CodeError | None]:
    try:
        return codes.validate_document(kind, number), None
    except codes.CodeError as exc:
        return None, exc


def _refold(check: FastCheck) -> SlowCheck:
    return lambda f, sub: _on(f, _fold(sub), check)


CHECKS: dict[FieldType, tuple[FastCheck, SlowCheck | None]] = {
    FieldType.STRING: (_plain, _plain_slow), FieldType.TEXT: (_plain, _plain_slow),
    FieldType.ENUM: (_enum, _enum_slow), FieldType.DATE: (_date, _date_slow),
    FieldType.MONEY: (_money, _refold(_money_full)), FieldType.INTEGER: (_integer, _refold(_integer)),
    FieldType.REGION: (_region, _refold(_region)), FieldType.DOCUMENT_TYPE: (_document_type, None),
    FieldType.USCC: (_uscc, lambda f, sub: _on(f, vc.normalize(sub), _uscc)),
    FieldType.ID_NUMBER: (_id_number, _id_slow),
}
_DTYPES = {FieldType.DATE: pl.Date, FieldType.INTEGER: pl.Int64}
_CHEAP = (FieldType.ENUM, FieldType.DOCUMENT_TYPE, FieldType.ID_NUMBER)  # never worth a dictionary
SAMPLE = 4096  # non-null values sampled to tell whether a column repeats


def _plans(frame: pl.DataFrame, fields: list[FieldDefinition]) -> dict[str, str]:
    """How to check each filled column: once per distinct value ("dictionary", for repetitive columns
    such as 处罚机关 or dates), only its filled rows ("sparse", for mostly empty ones) or every row."""
    height = frame.height
    sample = [f.code for f in fields if f.type not in _CHEAP]
    taken = {c: pl.col(c).gather_every(max(1, height // (2 * SAMPLE))).drop_nulls().head(SAMPLE) for c in sample}
    stats = frame.select(*(pl.col(f.code).null_count().alias("n" + f.code) for f in fields),
                         *(e.n_unique().alias("u" + c) for c, e in taken.items()),
                         *(e.len().alias("l" + c) for c, e in taken.items())).row(0, named=True)
    plans = {}
    for f in fields:
        nulls = stats["n" + f.code]
        if nulls == height:
            continue
        if f.code in taken and stats["l" + f.code] and stats["u" + f.code] * 2 <= stats["l" + f.code]:
            plans[f.code] = "dictionary"
        else:
            plans[f.code] = "sparse" if nulls * 2 > height else "direct"
    return plans


def _texts(f: FieldDefinition, raw: pl.LazyFrame, columns: Iterable[str]) -> pl.LazyFrame:
    """Stripped texts "t" of a field (blank → null) and, for an id_number, its document type "k"."""
    names = {"t": f.code} | ({"k": f.document_type_field} if f.type is FieldType.ID_NUMBER else {})
    texts = raw.select(pl.col(c).cast(pl.String).str.strip_chars().alias(n) if c in columns
                       else pl.lit(None, pl.String).alias(n) for n, c in names.items())
    texts = texts.with_columns(pl.when(pl.col(n).str.len_bytes() > 0).then(pl.col(n)) for n in names)
    return texts.with_columns(k=_kind(pl.col("k"))) if "k" in names else texts


def _settle(f: FieldDefinition, res: pl.DataFrame) -> pl.DataFrame:
    """Redo the rows the fast path could not settle (full-width text, other date formats…)."""
    where = res.get_column("?" + f.code, default=None)
    if where is None or not where.any():
        return res
    idx = where.arg_true()
    extra = [res["@" + f.code].gather(idx)] if f.type is FieldType.ID_NUMBER else []
    value, problem = CHECKS[f.type][1](f, res["~" + f.code].gather(idx), *extra)  # type: ignore[misc]
    return res.with_columns(res[f.code].scatter(idx, value.cast(res[f.code].dtype)),
                            res["!" + f.code].scatter(idx, problem))


class _Texts:
    """The stripped texts of the checked columns, fetched only for the rejected cells."""

    def __init__(self) -> None:
        self.columns: dict[str, tuple[pl.Series, pl.Series | None]] = {}

    def at(self, code: str, idx: pl.Series) -> list[str | None]:
        if code not in self.columns:
            return [None] * len(idx)
        texts, index = self.columns[code]
        return texts.gather(idx if index is None else index.gather(idx)).to_list()


def validate_chunk(frame: pl.DataFrame, definition: RecordTypeDefinition) -> ValidatedChunk:
    """Validate and normalise a chunk of rows of one record type."""
    height, lazy = frame.height, frame.lazy()
    plans = _plans(frame, [f for f in definition.fields if f.code in frame.columns])
    given = [f for f in definition.fields if f.code in plans]
    repeated = {c: pl.Categories.random() for c, plan in plans.items() if plan == "dictionary"}
    sparse = [c for c, plan in plans.items() if plan == "sparse"]
    # Row → position in the checked values: a category of the dictionary, or a filled row of a sparse column.
    prepared = lazy.select(*(pl.col(c).cast(pl.String).cast(pl.Categorical(k)) for c, k in repeated.items()),
                           *(pl.when(pl.col(c).is_not_null()).then(pl.col(c).is_not_null().cast(pl.UInt32).cum_sum() - 1)
                             for c in sparse)).collect()
    index = {c: prepared[c] for c in sparse}
    sources = {c: lazy.filter(pl.col(c).is_not_null()) for c in sparse} | _dictionaries(prepared, list(repeated), index)
    queries = [_run(f, _texts(f, sources.get(f.code, lazy), frame.columns), CHECKS[f.type][0]) for f in given]
    texts, columns = _Texts(), []
    for f, res in zip(given, pl.collect_all(queries), strict=True):
        res = _settle(f, res)
        texts.columns[f.code] = (res["~" + f.code], index.get(f.code))
        keep = [f.code, "!" + f.code]
        if f.type is FieldType.ID_NUMBER:
            texts.columns["@" + f.code] = (res["@" + f.code], index.get(f.code))
            keep.append("~" + f.code)
        for c in keep:  # back to one value per row
            at = index.get(f.code)
            value = pl.lit(res[c].rechunk()) if at is None else pl.lit(res[c].rechunk()).gather(pl.lit(at))
            columns.append((value.fill_null(0) if c[0] == "!" else value).alias(c))
    absent = [g for g in definition.fields if g not in given]
    columns += [*(pl.lit(None, _DTYPES.get(g.type, pl.String)).alias(g.code) for g in absent),
                *(pl.lit(0, pl.UInt8).alias("!" + g.code) for g in absent),
                *(pl.lit(None, pl.String).alias("~" + g.code) for g in absent if g.type is FieldType.ID_NUMBER)]
    revocations = OPERATION in frame.columns and frame[OPERATION].null_count() < height
    out = (_operation(frame).with_columns(columns).with_columns(_requirements(definition, revocations))
           .with_columns((pl.any_horizontal(pl.col("^!.*$") != 0) | pl.col(SHAPE).is_not_null()).alias("_bad"))
           .collect())
    errors = _errors(out, definition, texts) if out["_bad"].any() else []
    good = out.filter(~pl.col("_bad")).select(ROW, *(f.code for f in definition.fields), OPERATION)
    return ValidatedChunk(good.with_columns(_severity(good, definition)), errors, int(out["_bad"].sum()))


def _dictionaries(prepared: pl.DataFrame, columns: list[str], index: dict[str, pl.Series]) -> dict[str, pl.LazyFrame]:
    """The distinct values of categorical columns in the order of their physical codes (fresh categories
    number values 0, 1, 2…; should they not, the index is remapped), and each row's code in `index`."""
    if not columns:
        return {}
    distinct = {c: pl.col(c).unique().drop_nulls() for c in columns}
    found = prepared.select(*(e.sort_by(e.to_physical()).cast(pl.String).implode().alias(c) for c, e in distinct.items()),
                            *(e.to_physical().sort().implode().alias("#" + c) for c, e in distinct.items()),
                            *(pl.col(c).to_physical().implode().alias("@" + c) for c in columns))
    sources = {}
    for c in columns:
        values, codes_, index[c] = found[c][0], found["#" + c][0], found["@" + c][0]
        if len(codes_) and codes_[-1] != len(codes_) - 1:
            lookup = pl.repeat(None, codes_[-1] + 1, dtype=pl.UInt32, eager=True)
            index[c] = lookup.scatter(codes_, pl.int_range(len(codes_), dtype=pl.UInt32, eager=True)).gather(index[c])
        sources[c] = values.rename(c).to_frame().lazy()
    return sources


def _operation(frame: pl.DataFrame) -> pl.LazyFrame:
    """_row, _shape and the operation (CZLX): 撤销 kept, 新增/变更/blank → null (upsert)."""
    op = pl.col(OPERATION).cast(pl.String).str.strip_chars().replace("", None) if OPERATION in frame.columns \
        else pl.lit(None, pl.String)
    shape = pl.col(SHAPE).cast(pl.String) if SHAPE in frame.columns else pl.lit(None, pl.String)
    out = frame.lazy().select(pl.col(ROW).cast(pl.Int64), shape.alias(SHAPE), op.alias("~" + OPERATION))
    op = pl.col("~" + OPERATION)
    return out.with_columns(pl.when(op == REVOKE).then(op).alias(OPERATION), _first(
        (op.is_not_null() & ~op.is_in(list(OPERATIONS)), P.OPERATION)).alias("!" + OPERATION))


def _requirements(definition: RecordTypeDefinition, revocations: bool) -> list[pl.Expr]:
    """Rules across fields, each only where the cell has no problem yet: the no-code placeholder, a
    number without its document type, required and required_if, NOT_BEFORE. Revocations need only the
    natural key."""
    exprs = []
    for f in definition.fields:
        p = pl.col("!" + f.code)
        new = p

        def unless(cond: pl.Expr, problem: P) -> pl.Expr:
            return pl.when((new == 0) & cond.fill_null(False)).then(_p(problem)).otherwise(new)
        asked = pl.col(OPERATION).is_null() if revocations and f.code not in definition.natural_key else pl.lit(True)
        needed, business, kind = None, pl.lit(False), P.REQUIRED
        if f.required:
            needed = asked
        elif f.required_if is not None:
            ctrl = pl.col(f.required_if.field)
            needed = asked & ctrl.is_in(list(f.required_if.values))
            business, kind = ctrl == INDIVIDUAL_BUSINESS, P.REQUIRED_IF
        if f.type is FieldType.USCC:  # NO_CODE so far only says "placeholder": allowed unless required here
            refused = (needed & ~business.fill_null(False)).fill_null(False) if needed is not None else pl.lit(False)
            new = pl.when(p == P.NO_CODE).then(pl.when(refused).then(_p(P.NO_CODE)).otherwise(_p(P.OK))).otherwise(p)
        numbers = [g.code for g in definition.fields if g.document_type_field == f.code]
        if numbers:
            new = unless(pl.any_horizontal(pl.col("~" + c).is_not_null() for c in numbers) & pl.col(f.code).is_null(),
                         P.DOC_TYPE_MISSING)
        if needed is not None:
            present = (pl.col("~" + f.code).is_not_null() if f.type is FieldType.ID_NUMBER
                       else pl.col(f.code).is_not_null() | ((p != 0) & (p != P.NO_CODE)))
            new = unless(needed & ~present & (p != P.NO_CODE), kind)
        for other in (o for o in NOT_BEFORE.get(f.code, ()) if o in definition.field_map):
            new = unless(pl.col(f.code) < pl.col(other), P.NOT_BEFORE)
        if new is not p:
            exprs.append(new.alias("!" + f.code))
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
    return pl.lit(names).gather(pl.max_horizontal(*ranks).fill_null(definition.severity.default.rank)).alias(SEVERITY)


_PICTURES = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421}  # control characters shown as ␀…␟, ␡


def _clip(text: str) -> str:
    text = text if len(text) <= SHOWN else text[:SHOWN] + "…"
    return text.translate(_PICTURES) if not text.isprintable() else text


def _choices(values: Iterable[str]) -> str:
    values = list(values)
    shown = "、".join(values)
    if len(shown) <= SHOWN:
        return shown
    return _clip(shown)[:-1].rsplit("、", 1)[0] + f"等 {len(values)} 项"


def _code_reason(label: str, exc: codes.CodeError | None, personal: bool, kind: str = "") -> str:
    """A codes.py refusal under the field's label; personal numbers' digits never reach the message."""
    if exc is None:  # the vectorised and scalar checks disagree: never expected, but never silent
        return f"「{label}」不是有效的{kind or '统一社会信用代码'}"
    if personal and exc.check in ("date", "region", "checksum", "character"):
        what = {"date": "中的出生日期无效", "region": "的地址码（前 6 位）不是有效的行政区划代码",
                "checksum": "校验位错误，请核对号码是否填错", "character": "含有无效字符"}[exc.check]
        return f"「{label}」{what}"
    message = re.sub(r"^\S*?(?:号码|统一社会信用代码)(本体)?", "", exc.message)
    return f"「{label}」{message.lstrip('：:')}"


def _reason(p: P, f: FieldDefinition | None, text: str | None, ctx: dict[str, object]) -> str:
    label = f.label if f is not None else "操作类型"
    personal = f is not None and f.personal
    shown = "" if personal or text is None else f"：{_clip(text)}"
    match p:
        case P.REQUIRED:
            return f"必填项「{label}」为空"
        case P.REQUIRED_IF:
            hint = "（暂无代码的个体工商户填写 17 个 0 加 X）" if ctx["ctrl"] == INDIVIDUAL_BUSINESS and \
                f.type is FieldType.USCC else ""
            return f"{ctx['ctrl_label']}为{ctx['ctrl']}时，「{label}」必填{hint}"
        case P.NO_CODE:
            return f"「{label}」不能填写 17 个 0 加 X：它只用于暂无统一社会信用代码的个体工商户"
        case P.TOO_LONG:
            return f"「{label}」超过最大长度 {f.max_length} 字（实为 {len(text or '')} 字）"
        case P.CONTROL if f.type is FieldType.TEXT:
            return f"「{label}」含有不可见的控制字符（换行符和制表符以外），请删除后重新报送"
        case P.CONTROL:
            return f"「{label}」含有换行符、制表符等控制字符，应为单行文字"
        case P.DATE_FORMAT:
            return f"「{label}」日期格式无法识别（应为 2023-01-31 这样的格式）{shown}"
        case P.DATE_INVALID:
            return f"「{label}」不是有效日期{shown}"
        case P.DATE_RANGE:
            return f"「{label}」超出合理范围（应在 {EARLIEST} 至 {LATEST} 之间，长期有效填 {LATEST}）{shown}"
        case P.ENUM if f.multi:
            parts = [v.strip() for v in re.split("|".join(MULTI_SEPARATORS), text or "")]
            wrong = "、".join(f"“{_clip(v)}”" for v in parts if v and v not in f.enum)
            return f"「{label}」中的{wrong}不是可选值（可选：{_choices(f.enum)}；多个值用分号分隔）"
        case P.ENUM:
            return f"「{label}」应为以下之一：{_choices(f.enum)}{shown.replace('：', '；实为：', 1)}"
        case P.MONEY_COMMA:
            return f"「{label}」不能使用千位分隔符，请直接填写数字，如 1234.5{shown}"
        case P.MONEY:
            return f"「{label}」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）{shown}"
        case P.MONEY_BIG:
            return f"「{label}」数值过大（整数部分超过 {MONEY_INTEGER_DIGITS} 位），请确认单位为万元{shown}"
        case P.INTEGER:
            return f"「{label}」应为整数（只能填写数字，最多 18 位）{shown}"
        case P.REGION:
            return f"「{label}」不是有效的行政区划代码（应为 6 位数字，如 350203）{shown}"
        case P.DOC_TYPE:
            return f"「{label}」应为以下之一：{'、'.join(DOCUMENT_TYPES)}{shown.replace('：', '；实为：', 1)}"
        case P.DOC_TYPE_MISSING:
            return f"填写了「{ctx['number_label']}」时，「{label}」必填"
        case P.OPERATION:
            return f"「{label}」应为新增、变更或撤销（不填表示新增或变更）{shown}"
        case P.NOT_BEFORE:
            return f"「{label}」（{ctx['date']}）早于「{ctx['other_label']}」（{ctx['other']}）"
        case P.CODE if f.type is FieldType.USCC:
            try:
                codes.validate_uscc(text or "")
                return _code_reason(label, None, personal)
            except codes.CodeError as exc:
                return _code_reason(label, exc, personal)
        case P.CODE:
            kind = str(ctx["kind"])
            return _code_reason(label, _document(kind, text or "")[1], personal, f"{kind}号码")
    return f"「{label}」有误"


def _context(f: FieldDefinition, out: pl.DataFrame, definition: RecordTypeDefinition, texts: _Texts,
             idx: pl.Series) -> dict[str, list[object]]:
    """What the reasons of one column's rejected cells need from other columns."""
    ctx: dict[str, list[object]] = {}
    at = lambda code: out[code].gather(idx).to_list()  # noqa: E731
    if f.required_if is not None:
        ctx["ctrl"] = at(f.required_if.field)
        ctx["ctrl_label"] = [definition.field_map[f.required_if.field].label] * len(idx)
    if f.type is FieldType.ID_NUMBER:
        ctx["kind"], ctx["kind_text"] = texts.at("@" + f.code, idx), texts.at(f.document_type_field, idx)
    if f.type is FieldType.DOCUMENT_TYPE:
        numbers = [g.label for g in definition.fields if g.document_type_field == f.code]
        ctx["number_label"] = [numbers[0] if numbers else "证件号码"] * len(idx)
    if f.code in NOT_BEFORE:
        ctx["date"] = at(f.code)
        pairs = [(o, at(o)) for o in NOT_BEFORE[f.code] if o in definition.field_map]
        found = [next(((o, v[j]) for o, v in pairs if d and v[j] and d < v[j]), (None, None))
                 for j, d in enumerate(ctx["date"])]
        ctx["other_label"] = [definition.field_map[o].label if o else "" for o, _ in found]
        ctx["other"] = [v for _, v in found]
    return ctx


def _display(f: FieldDefinition | None, text: str | None, kind: object = None) -> str:
    if text is None:
        return ""
    if f is not None and f.personal:
        text = masking.mask_document(kind, text) if f.type is FieldType.ID_NUMBER else masking.mask_name(text)
    return _clip(text)


def _errors(out: pl.DataFrame, definition: RecordTypeDefinition, texts: _Texts) -> list[RowError]:
    """One RowError per problem cell of the rejected rows (a malformed row gets only its shape error)."""
    found: list[tuple[int, int, RowError]] = []
    broken = out[SHAPE].is_not_null()
    rows = out[ROW]
    if broken.any():
        idx = broken.arg_true()
        for i, row, reason in zip(idx.to_list(), rows.gather(idx).to_list(), out[SHAPE].gather(idx).to_list()):
            found.append((i, -1, RowError(row, ROW, "整行", "", reason)))
    for order, (code, f) in enumerate([(g.code, g) for g in definition.fields] + [(OPERATION, None)]):
        where = (out["!" + code] != 0) & ~broken
        if not where.any():
            continue
        idx = where.arg_true()
        ctx = _context(f, out, definition, texts, idx) if f is not None else {}
        values = texts.at(code, idx) if f is not None else out["~" + OPERATION].gather(idx).to_list()
        kinds = out["!" + code].gather(idx).to_list()
        for j, (i, row) in enumerate(zip(idx.to_list(), rows.gather(idx).to_list())):
            here = {k: v[j] for k, v in ctx.items()}
            reason = _reason(P(kinds[j]), f, values[j], here)
            shown = _display(f, values[j], here.get("kind") or here.get("kind_text"))
            found.append((i, order, RowError(row, code, f.label if f else "操作类型", shown, reason)))
    found.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in found]
