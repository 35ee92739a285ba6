"""Vectorised (polars) versions of the code checks in xinyong.codes, for whole columns at once.

Every function here agrees with its scalar reference in codes.py on every input (the tests check
this with generated valid, mutated and junk codes); codes.py stays the authority for the Chinese
reason of a refusal, which callers ask for only for the few values these functions refuse.

The checksums avoid per-character Python work:
- 统一社会信用代码: the 18 bytes of each candidate are reinterpreted as an Array(UInt8, 18), mapped
  through a 256-entry table to their values in the 31-char alphabet and weighted; a valid code has
  Σ value·3^i (i < 17) + value(check char) ≡ 0 (mod 31).
- 公民身份号码: the 17-digit body read as a base-13 number N gives Σ dᵢ·13^(16−i), and 13 ≡ 2 (mod 11),
  so the GB 11643 weighted sum Σ dᵢ·2^(17−i) ≡ 2·N (mod 11). 13^17 − 1 < 2^63, so N fits in Int64.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache

import polars as pl

from xinyong import codes
from xinyong.codes import _RIC_CHECK, _USCC_ALPHABET, _USCC_PROVINCES, _USCC_TABLE

# What codes.normalize removes: every char str.split() splits on (all are ≤ U+3000), and hyphens.
_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_DROP = _WHITESPACE + "-\uff0d"
_DROP_RE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _DROP) + "]"
# Full-width ASCII (U+FF01..U+FF5E, bar the full-width hyphen) → half-width upper case; a-z → A-Z.
_FOLD_FROM = [chr(c) for c in range(0xFF01, 0xFF5F) if c != 0xFF0D] + [chr(c) for c in range(97, 123)]
_FOLD_TO = [chr(ord(c) - 0xFEE0).upper() if ord(c) > 0xFF00 else c.upper() for c in _FOLD_FROM]



def _uscc_shape(any_case: bool) -> str:
    """Everything codes.validate_uscc checks except the check char, as one pattern."""
    def letter(c: str) -> str:
        return f"[{c}{c.lower()}]" if any_case and c.isalpha() else c
    pairs = "|".join(letter(a) + b for a, (_, kinds) in _USCC_TABLE.items() for b in kinds)
    alphabet = _USCC_ALPHABET + (_USCC_ALPHABET.lower()[10:] if any_case else "")
    return f"^(?:{pairs})(?:{'|'.join(sorted(_USCC_PROVINCES))})[0-9]{{4}}[{alphabet}]{{10}}$"


_USCC_RE = _uscc_shape(any_case=False)
_USCC_ANY_CASE_RE = _uscc_shape(any_case=True)  # plain ASCII, which codes.normalize only upper-cases
_USCC_LUT = pl.Series([_USCC_ALPHABET.find(chr(b).upper()) if b < 128 and chr(b).upper() in _USCC_ALPHABET
                       else 0 for b in range(256)], dtype=pl.Int32)  # value of each byte, either case
_USCC_WEIGHTS = pl.Series([[pow(3, i, 31) for i in range(17)] + [1]], dtype=pl.Array(pl.Int32, 18))
_USCC_DUMMY = "0" * 18
_RIC_CHECK_CHARS = pl.Series(list(_RIC_CHECK), dtype=pl.String)
_EARLIEST_BIRTH = date(1900, 1, 1)


@cache
def _regions() -> pl.Series:
    return pl.Series(sorted(codes.known_regions()), dtype=pl.String).implode()


def normalize(values: pl.Series) -> pl.Series:
    """codes.normalize over a column: full-width → half-width, ASCII upper case, spaces and hyphens removed."""
    values = values.cast(pl.String)
    plain = is_plain(values).fill_null(True)
    out = values.str.to_uppercase()  # right only where plain: str.upper() would also fold "ß" → "SS"
    if not plain.all():
        idx = (~plain).arg_true()
        slow = values.gather(idx).str.replace_all(_DROP_RE, "").str.replace_many(_FOLD_FROM, _FOLD_TO)
        out = out.scatter(idx, slow)
    return out


def is_plain(values: pl.Expr | pl.Series) -> pl.Expr | pl.Series:
    """Values that codes.normalize only upper-cases (ASCII letters and digits)."""
    return values.str.contains("^[0-9A-Za-z]+$")


def uscc_ok(code: pl.Expr) -> pl.Expr:
    """Which values pass codes.validate_uscc, for values already normalised or plain ASCII letters and
    digits in either case (which normalisation only upper-cases); null stays null."""
    shape = code.str.contains(_USCC_ANY_CASE_RE)
    # Only 18-byte values can be reinterpreted; the shape test settles the alphabet, once.
    candidate = pl.when(code.str.len_bytes() == 18).then(code).otherwise(pl.lit(_USCC_DUMMY))
    flat = candidate.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, 18)).reshape((-1,))
    values = pl.lit(_USCC_LUT).gather(flat).reshape((-1, 18))
    return shape & ((values * pl.lit(_USCC_WEIGHTS)).arr.sum() % 31 == 0)


def is_valid_uscc(values: pl.Series) -> pl.Series:
    """codes.is_valid_uscc over a column (null → False)."""
    return pl.select(uscc_ok(pl.lit(normalize(values)))).to_series().fill_null(False).rename(values.name)


@lru_cache(maxsize=2)
def _birth_days(today: date) -> pl.Series:
    """Every possible birth date (codes._birth_date: 1900-01-01 … today) as YYYYMMDD."""
    days = pl.date_range(_EARLIEST_BIRTH, today, eager=True).dt.strftime("%Y%m%d")
    return days.implode()


def resident_id_stages(normalized: pl.Expr, today: date | None = None, shaped: pl.Expr | None = None,
                       col: Callable[[str], pl.Expr] = pl.col) -> list[dict[str, pl.Expr]]:
    """codes.validate_resident_id as expression stages (add each dict's columns in turn, naming them so
    that col(name) reads them back), ending in "number" (the 18-digit number, legacy 15-digit ones
    converted; null unless valid) and "ok" (null for null input). `shaped`, when given, already tells
    which values are 15 digits, or 17 digits and a digit or X."""
    v, body = col("v"), col("body")
    legacy = col("shaped") & (v.str.len_bytes() == 15)
    weighted = body.str.to_integer(base=13, strict=False) % 11 * 2 % 11  # see the module docstring
    ok = (col("fine") & (legacy | (v.str.slice(17) == col("check")))).fill_null(False)
    return [
        {"v": normalized},
        {"shaped": v.str.contains("^[0-9]{15}(?:[0-9]{2}[0-9X])?$") if shaped is None else shaped},
        {"body": pl.when(legacy).then(pl.concat_str(v.str.slice(0, 6), pl.lit("19"), v.str.slice(6)))
         .when(col("shaped")).then(v.str.slice(0, 17))},
        {"check": pl.lit(_RIC_CHECK_CHARS).gather(weighted.fill_null(0)),
         "fine": body.str.slice(6, 8).is_in(_birth_days(today or date.today()))
         & body.str.slice(0, 6).is_in(_regions())},
        {"number": pl.when(ok).then(pl.when(legacy).then(pl.concat_str(body, col("check"))).otherwise(v)),
         "ok": pl.when(v.is_not_null()).then(ok)},
    ]


def resident_id(normalized: pl.Series, today: date | None = None) -> tuple[pl.Series, pl.Series]:
    """codes.validate_resident_id over normalised values: (18-digit number or null, valid or null)."""
    frame = normalized.rename("n").to_frame().lazy()
    for stage in resident_id_stages(pl.col("n"), today):
        frame = frame.with_columns(**stage)
    out = frame.select("number", "ok").collect()
    return out["number"].rename(normalized.name), out["ok"].rename(normalized.name)


def is_valid_resident_id(values: pl.Series, today: date | None = None) -> pl.Series:
    """codes.is_valid_resident_id over a column (null → False)."""
    return resident_id(normalize(values), today)[1].fill_null(False)


def region_ok(values: pl.Expr) -> pl.Expr:
    """Which values are six-digit 行政区划代码 known to codes.is_known_region (null stays null)."""
    return values.str.contains("^[0-9]{6}$") & values.is_in(_regions())
