"""Shared vocabulary of row validation: problems, row errors, constants and the result type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import polars as pl

from xinyong import codes
from xinyong.catalog.definitions import (
    FieldDefinition,
)

ROW, SHAPE, OPERATION, SEVERITY = "_row", "_shape", "CZLX", "_severity"

REVOKE = "撤销"
OPERATIONS = ("新增", "变更", REVOKE)  # blank = 新增 or 变更 (upsert by natural key)
EARLIEST, LATEST = date(1949, 10, 1), date(2099, 12, 31)
NO_CODE = "0" * 17 + "X"
INDIVIDUAL_BUSINESS = "个体工商户"
RESIDENT_ID = codes.DocumentType.RESIDENT_ID.value
SHOWN = 60  # characters of a value shown in an error before "…"
MONEY_INTEGER_DIGITS = 12
SAMPLE = 4096  # filled values sampled to tell whether a column repeats

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
                     "公民身份证", "身份证号", "身份证号码", "居民身份证号码"], RESIDENT_ID),
    "回乡证": "港澳居民来往内地通行证", "台胞证": "台湾居民来往大陆通行证",
    **dict.fromkeys(["港澳居民居住证", "台湾居民居住证"], "港澳台居民居住证"),
    **dict.fromkeys(["外国人永久居留证", "外国人永久居留身份证件"], "外国人永久居留身份证"),
    **dict.fromkeys(["中国护照", "外国护照", "普通护照", "中华人民共和国护照"], "护照"),
}



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


# A check turns a field's stripped text t into helper columns (one dict, or a list of dicts computed in
# turn, read back with h(name)), then the normalised value, the problem (UInt8 P) and, optionally, the
# rows its fast path cannot settle; a slow check redoes those few rows.
Stages = dict[str, pl.Expr] | list[dict[str, pl.Expr]]
Check = tuple[Stages, pl.Expr, pl.Expr, pl.Expr | None]
Helper = Callable[[str], pl.Expr]
FastCheck = Callable[[FieldDefinition, pl.Expr, Helper], Check]
SlowCheck = Callable[[FieldDefinition, pl.Series, pl.Series], tuple[pl.Series, pl.Series]]




def check_document(kind: str, number: str) -> tuple[str | None, codes.CodeError | None]:
    try:
        return codes.validate_document(kind, number), None
    except codes.CodeError as exc:
        return None, exc
