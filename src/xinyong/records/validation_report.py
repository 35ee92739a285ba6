"""Row errors in words a clerk understands: the Chinese reason and the (masked) value of each rejected cell."""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from xinyong import codes, masking
from xinyong.catalog.definitions import (
    DOCUMENT_TYPES,
    MULTI_SEPARATORS,
    FieldDefinition,
    FieldType,
    RecordTypeDefinition,
)
from xinyong.records.validation_rules import (
    EARLIEST,
    INDIVIDUAL_BUSINESS,
    LATEST,
    MONEY_INTEGER_DIGITS,
    NOT_BEFORE,
    OPERATION,
    ROW,
    SHAPE,
    SHOWN,
    P,
    RowError,
    check_document,
)


class Texts:
    """The (stripped) texts of the checked columns, fetched only for the rejected cells."""

    def __init__(self) -> None:
        self.columns: dict[str, tuple[pl.Series, pl.Series | None]] = {}

    def at(self, code: str, idx: pl.Series) -> list[str | None]:
        if code not in self.columns:
            return [None] * len(idx)
        texts, index = self.columns[code]
        return texts.gather(idx if index is None else index.gather(idx)).cast(pl.String).str.strip_chars().to_list()




# --- the errors of the rejected rows, in words a clerk understands ---------------------------------

_PICTURES = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421}  # control characters shown as ␀…␟, ␡
_REASONS = {
    P.REQUIRED: "必填项「{label}」为空",
    P.REQUIRED_IF: "{ctrl_label}为{ctrl}时，「{label}」必填{hint}",
    P.NO_CODE: "「{label}」不能填写 17 个 0 加 X：它只用于暂无统一社会信用代码的个体工商户",
    P.TOO_LONG: "「{label}」超过最大长度 {max_length} 字（实为 {length} 字）",
    P.DATE_FORMAT: "「{label}」日期格式无法识别（应为 2023-01-31 这样的格式）{shown}",
    P.DATE_INVALID: "「{label}」不是有效日期{shown}",
    P.DATE_RANGE: f"「{{label}}」超出合理范围（应在 {EARLIEST} 至 {LATEST} 之间，长期有效填 {LATEST}）{{shown}}",
    P.ENUM: "「{label}」应为以下之一：{choices}{actual}",
    P.MONEY: "「{label}」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）{shown}",
    P.MONEY_COMMA: "「{label}」不能使用千位分隔符，请直接填写数字，如 1234.5{shown}",
    P.MONEY_BIG: f"「{{label}}」数值过大（整数部分超过 {MONEY_INTEGER_DIGITS} 位），请确认单位为万元{{shown}}",
    P.INTEGER: "「{label}」应为整数（只能填写数字，最多 18 位）{shown}",
    P.REGION: "「{label}」不是有效的行政区划代码（应为 6 位数字，如 350203）{shown}",
    P.DOC_TYPE: "「{label}」应为以下之一：" + "、".join(DOCUMENT_TYPES) + "{actual}",
    P.DOC_TYPE_MISSING: "填写了「{number_label}」时，「{label}」必填",
    P.OPERATION: "「{label}」应为新增、变更或撤销（不填表示新增或变更）{shown}",
    P.NOT_BEFORE: "「{label}」（{date}）早于「{other_label}」（{other}）",
}
_PERSONAL_CHECKS = {"date": "中的出生日期无效", "region": "的地址码（前 6 位）不是有效的行政区划代码",
                    "checksum": "校验位错误，请核对号码是否填错", "character": "含有无效字符"}


def _clip(text: str) -> str:
    text = text if len(text) <= SHOWN else text[:SHOWN] + "…"
    return text if text.isprintable() else text.translate(_PICTURES)


def _choices(values: Iterable[str]) -> str:
    values = list(values)
    shown = "、".join(values)
    return shown if len(shown) <= SHOWN else _clip(shown)[:-1].rsplit("、", 1)[0] + f"等 {len(values)} 项"


def _code_reason(label: str, exc: codes.CodeError | None, personal: bool) -> str:
    """A codes.py refusal under the field's label; the digits of personal numbers never reach the message."""
    if exc is None:  # the vectorised and the scalar checks disagree: never expected, never silent
        return f"「{label}」不是有效的号码"
    if personal and exc.check in _PERSONAL_CHECKS:
        return f"「{label}」{_PERSONAL_CHECKS[exc.check]}"
    return f"「{label}」" + re.sub(r"^\S*?(?:号码|统一社会信用代码)(本体)?", "", exc.message).lstrip("：:")


def _reason(p: P, f: FieldDefinition | None, text: str | None, ctx: dict[str, object]) -> str:
    label = f.label if f is not None else "操作类型"
    personal = f is not None and f.personal
    shown = "" if personal or text is None else f"：{_clip(text)}"
    if p is P.CODE and f is not None:
        exc = check_document(str(ctx["kind"]), text or "")[1] if f.type is FieldType.ID_NUMBER else None
        if f.type is FieldType.USCC:
            try:
                codes.validate_uscc(text or "")
            except codes.CodeError as error:
                exc = error
        return _code_reason(label, exc, personal)
    if p is P.CONTROL and f is not None:
        return (f"「{label}」含有不可见的控制字符（换行符和制表符以外），请删除后重新报送" if f.type is FieldType.TEXT
                else f"「{label}」含有换行符、制表符等控制字符，应为单行文字")
    if p is P.ENUM and f is not None and f.multi:
        wrong = "、".join(f"“{_clip(v.strip())}”" for v in re.split("|".join(MULTI_SEPARATORS), text or "")
                         if v.strip() and v.strip() not in f.enum)
        return f"「{label}」中的{wrong}不是可选值（可选：{_choices(f.enum)}；多个值用分号分隔）"
    hint = ("（暂无代码的个体工商户填写 17 个 0 加 X）" if f is not None and f.type is FieldType.USCC
            and ctx.get("ctrl") == INDIVIDUAL_BUSINESS else "")
    return _REASONS[p].format(label=label, shown=shown, actual=shown.replace("：", "；实为：", 1), hint=hint,
                              max_length=f.max_length if f else "", length=len(text or ""),
                              choices=_choices(f.enum) if f else "", **ctx)


def _context(f: FieldDefinition, out: pl.DataFrame, definition: RecordTypeDefinition, texts: Texts,
             idx: pl.Series) -> dict[str, list[object]]:
    """What the reasons of one column's rejected cells need from other columns."""
    def at(code: str) -> list[object]:
        return out[code].gather(idx).to_list()
    ctx: dict[str, list[object]] = {}
    if f.required_if is not None:
        ctx["ctrl"] = at(f.required_if.field)
        ctx["ctrl_label"] = [definition.field_map[f.required_if.field].label] * len(idx)
    if f.type is FieldType.ID_NUMBER:
        ctx["kind"], ctx["kind_text"] = at("@" + f.code), texts.at(f.document_type_field, idx)
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


def row_errors(out: pl.DataFrame, definition: RecordTypeDefinition, texts: Texts) -> list[RowError]:
    """One RowError per problem cell of the rejected rows (a malformed row gets only its shape error)."""
    found: list[tuple[int, int, RowError]] = []
    broken, rows = out[SHAPE].is_not_null(), out[ROW]
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
        for j, (i, row, p) in enumerate(zip(idx.to_list(), rows.gather(idx).to_list(),
                                            out["!" + code].gather(idx).to_list())):
            here = {k: v[j] for k, v in ctx.items()}
            shown = _display(f, values[j], here.get("kind") or here.get("kind_text"))
            found.append((i, order, RowError(row, code, f.label if f else "操作类型", shown,
                                             _reason(P(p), f, values[j], here))))
    found.sort(key=lambda e: (e[0], e[1]))
    return [e for _, _, e in found]
