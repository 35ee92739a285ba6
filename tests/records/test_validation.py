"""Row validation of collected records: every rule with a good and a bad value and its exact reason."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong import codes
from xinyong.catalog.definitions import RecordTypeDefinition, load_builtin_definitions, parse_definition_text
from xinyong.codes import _USCC_ALPHABET
from xinyong.masking import mask_document
from xinyong.records import validation
from xinyong.records.validation import RowError, validate_chunk

from .test_vector_codes import junk, legacy_resident_ids, mutated, valid_resident_ids, valid_usccs

DEFINITIONS = {d.code: d for d in load_builtin_definitions()}
XZCF, XZXK = DEFINITIONS["xzcf"], DEFINITIONS["xzxk"]


def uscc(body: str) -> str:
    return body + codes.uscc_check_char(body)


def resident_id(body: str) -> str:
    return body + codes.resident_id_check_char(body)


def wrong_check(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


COMPANY = uscc("91350203MA2Y0L8K1")
AGENCY = uscc("11350200003615812")
PERSON = resident_id("35020319800101123")
GOOD: dict[str, str] = {
    "CF_XDR_MC": "厦门某某贸易有限公司", "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": COMPANY, "CF_FRDB": "张三",
    "CF_WSH": "厦市监罚〔2023〕1号", "CF_WFXW": "无证经营", "CF_SY": "经查，当事人未取得许可擅自经营。",
    "CF_YJ": "《无证无照经营查处办法》第十三条", "CF_CFLB": "罚款", "CF_NR": "罚款1万元", "CF_NR_FK": "1",
    "CF_JDRQ": "2023-03-01", "CF_YXQ": "2024-03-01", "CF_CFJG": "厦门市市场监督管理局", "CF_CFJGDM": AGENCY,
    "CF_SJLY": "厦门市市场监督管理局", "CF_SJLYDM": AGENCY,
}
PERSON_ROW = {"CF_XDR_MC": "李四", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": None, "CF_FRDB": None,
              "CF_XDR_ZJLX": "居民身份证", "CF_XDR_ZJHM": PERSON}


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return pl.DataFrame([{k: r.get(k) for k in columns} for r in rows], schema={k: pl.String for k in columns},
                        orient="row").with_columns(_row=pl.int_range(2, len(rows) + 2, dtype=pl.Int64))


def check(changes: dict[str, Any], definition: RecordTypeDefinition = XZCF,
          base: dict[str, Any] | None = None) -> validation.ValidatedChunk:
    return validate_chunk(frame([(GOOD if base is None else base) | changes]), definition)


def reasons(changes: dict[str, Any], **kw: Any) -> list[str]:
    return [e.reason for e in check(changes, **kw).errors]


def accepted(changes: dict[str, Any], **kw: Any) -> dict[str, Any]:
    result = check(changes, **kw)
    assert result.errors == [] and result.rejected_rows == 0
    return result.frame.row(0, named=True)


# --- the valid row and the shape of the result ---------------------------------------------

def test_valid_row_is_normalised() -> None:
    result = check({})
    assert result.errors == [] and result.rejected_rows == 0
    row = result.frame.row(0, named=True)
    assert row["_row"] == 2 and row["CZLX"] is None and row["_severity"] == "一般"
    assert row["CF_JDRQ"] == date(2023, 3, 1) and row["CF_NR_FK"] == "1" and row["CF_XDR_SHXYM"] == COMPANY
    assert row["CF_XDR_ZJHM"] is None  # absent columns come out null
    assert result.frame.columns == ["_row", *(f.code for f in XZCF.fields), "CZLX", "_severity"]
    assert result.frame.schema["CF_JDRQ"] == pl.Date and result.frame.schema["CF_XDR_MC"] == pl.String


def test_empty_chunk() -> None:
    result = validate_chunk(frame([GOOD]).head(0), XZCF)
    assert result.frame.height == 0 and result.errors == [] and result.rejected_rows == 0


def test_values_are_stripped_and_blank_is_missing() -> None:
    assert accepted({"CF_XDR_MC": "\u3000 厦门某某公司 \t"})["CF_XDR_MC"] == "厦门某某公司"
    assert reasons({"CF_XDR_MC": " \u3000 "}) == ["必填项「行政相对人名称」为空"]


def test_shape_problem_is_the_only_error_of_its_row() -> None:
    result = validate_chunk(frame([GOOD | {"_shape": "列数不对：应为 17 列，实为 16 列", "CF_XDR_MC": None}, GOOD]),
                            XZCF)
    assert result.errors == [RowError(2, "_row", "整行", "", "列数不对：应为 17 列，实为 16 列")]
    assert result.rejected_rows == 1 and result.frame["_row"].to_list() == [3]


def test_several_problems_of_a_row_are_all_reported_in_field_order() -> None:
    result = validate_chunk(frame([GOOD, GOOD | {"CF_JDRQ": "2023-13-01", "CF_XDR_MC": None, "CZLX": "删除"}]), XZCF)
    assert [(e.row, e.field) for e in result.errors] == [(3, "CF_XDR_MC"), (3, "CF_JDRQ"), (3, "CZLX")]
    assert result.rejected_rows == 1 and result.frame["_row"].to_list() == [2]


# --- required and required_if --------------------------------------------------------------

def test_required() -> None:
    assert reasons({"CF_WSH": None}) == ["必填项「行政处罚决定书文号」为空"]
    assert reasons({"CF_WSH": ""}) == ["必填项「行政处罚决定书文号」为空"]


def test_required_if_natural_person() -> None:
    assert accepted(PERSON_ROW)["CF_XDR_ZJHM"] == PERSON
    assert reasons(PERSON_ROW | {"CF_XDR_ZJLX": None, "CF_XDR_ZJHM": None}) == [
        "行政相对人类别为自然人时，「证件类型」必填", "行政相对人类别为自然人时，「证件号码」必填"]


def test_required_if_legal_person_needs_code_and_representative() -> None:
    assert reasons({"CF_XDR_SHXYM": None, "CF_FRDB": None}) == [
        "行政相对人类别为法人及非法人组织时，「统一社会信用代码」必填",
        "行政相对人类别为法人及非法人组织时，「法定代表人」必填"]


def test_no_code_placeholder_only_for_individual_businesses() -> None:
    business = {"CF_XDR_LB": "个体工商户", "CF_XDR_SHXYM": "00000000000000000x"}
    assert accepted(business)["CF_XDR_SHXYM"] is None
    assert reasons({"CF_XDR_LB": "个体工商户", "CF_XDR_SHXYM": None}) == [
        "行政相对人类别为个体工商户时，「统一社会信用代码」必填（暂无代码的个体工商户填写 17 个 0 加 X）"]
    refusal = "不能填写 17 个 0 加 X：它只用于暂无统一社会信用代码的个体工商户"
    assert reasons({"CF_XDR_SHXYM": "00000000000000000X"}) == [f"「统一社会信用代码」{refusal}"]
    assert reasons({"CF_CFJGDM": "０００００００００００００００００Ｘ"}) == [f"「处罚机关统一社会信用代码」{refusal}"]
    # Not required for a natural person: the placeholder simply means "no code".
    assert accepted(PERSON_ROW | {"CF_XDR_SHXYM": "00000000000000000X"})["CF_XDR_SHXYM"] is None


# --- lengths and control characters ---------------------------------------------------------

def test_max_length_counts_characters() -> None:
    assert accepted({"CF_XDR_MC": "厦" * 200})["CF_XDR_MC"] == "厦" * 200
    assert reasons({"CF_XDR_MC": "厦" * 201}) == ["「行政相对人名称」超过最大长度 200 字（实为 201 字）"]


def test_ten_thousand_character_fields_are_refused_without_crashing() -> None:
    huge = "违" * 10_000
    result = check({"CF_SY": huge, "CF_WFXW": huge, "CF_XDR_ZJHM": "1" * 10_000, "CF_XDR_ZJLX": "居民身份证"})
    assert [e.reason for e in result.errors] == [
        "「证件号码」超过最大长度 64 字（实为 10000 字）", "「违法行为类型」超过最大长度 2000 字（实为 10000 字）",
        "「违法事实」超过最大长度 5000 字（实为 10000 字）"]
    assert result.errors[2].value == "违" * 60 + "…"
    assert "1" * 20 not in result.errors[0].value and len(result.errors[0].value) <= 61


def test_control_characters() -> None:
    assert reasons({"CF_XDR_MC": "厦门\n某某公司"}) == ["「行政相对人名称」含有换行符、制表符等控制字符，应为单行文字"]
    assert reasons({"CF_SY": "事实\x07"}) == ["「违法事实」含有不可见的控制字符（换行符和制表符以外），请删除后重新报送"]
    assert check({"CF_SY": "事实\x00"}).errors[0].value == "事实␀"
    assert accepted({"CF_SY": "第一行\r\n第二行\t完\r第三行"})["CF_SY"] == "第一行\n第二行\t完\n第三行"
    assert accepted({"CF_SY": '他说"是"\\'})["CF_SY"] == '他说"是"\\'
    assert reasons({"CF_NR": "罚款\x7f"}) == ["「处罚内容」含有不可见的控制字符（换行符和制表符以外），请删除后重新报送"]


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2023-03-01", "2023/3/1", "2023.03.01", "20230301", "2023年3月1日", "2023-3-1 08:30",
                                  "2023/03/01 23:59:59", "2023-03-01T08:30:00", "２０２３－０３－０１", "2023年03月01日"])
def test_date_formats(text: str) -> None:
    assert accepted({"CF_JDRQ": text})["CF_JDRQ"] == date(2023, 3, 1)


@pytest.mark.parametrize(("text", "reason"), [
    ("2023-02-30", "「处罚决定日期」不是有效日期：2023-02-30"),
    ("20230229", "「处罚决定日期」不是有效日期：20230229"),
    ("02/03/2023", "「处罚决定日期」日期格式无法识别（应为 2023-01-31 这样的格式）：02/03/2023"),
    ("23-2-3", "「处罚决定日期」日期格式无法识别（应为 2023-01-31 这样的格式）：23-2-3"),
    ("2023-3-1 24:00", "「处罚决定日期」日期格式无法识别（应为 2023-01-31 这样的格式）：2023-3-1 24:00"),
    ("2023/03-01", "「处罚决定日期」日期格式无法识别（应为 2023-01-31 这样的格式）：2023/03-01"),
    ("45000", "「处罚决定日期」日期格式无法识别（应为 2023-01-31 这样的格式）：45000"),
    ("1949-09-30", "「处罚决定日期」超出合理范围（应在 1949-10-01 至 2099-12-31 之间，长期有效填 2099-12-31）：1949-09-30"),
])
def test_bad_dates(text: str, reason: str) -> None:
    assert reasons({"CF_JDRQ": text, "CF_YXQ": "2099-12-31"}) == [reason]


def test_long_term_validity_and_beyond() -> None:
    assert accepted({"CF_YXQ": "2099-12-31"})["CF_YXQ"] == date(2099, 12, 31)
    assert reasons({"CF_YXQ": "9999-12-31"}) == [
        "「处罚有效期」超出合理范围（应在 1949-10-01 至 2099-12-31 之间，长期有效填 2099-12-31）：9999-12-31"]


def test_end_dates_not_before_decision() -> None:
    assert accepted({"CF_YXQ": "2023-03-01"})["CF_YXQ"] == date(2023, 3, 1)
    assert reasons({"CF_YXQ": "2023-02-28"}) == ["「处罚有效期」（2023-02-28）早于「处罚决定日期」（2023-03-01）"]
    licence = {"XK_XDR_MC": "厦门某某公司", "XK_XDR_LB": "法人及非法人组织", "XK_XDR_SHXYM": COMPANY, "XK_FRDB": "张三",
               "XK_XKWS": "食品经营许可决定书", "XK_WSH": "厦食许〔2023〕1号", "XK_XKLB": "普通", "XK_NR": "食品经营",
               "XK_JDRQ": "2023-03-01", "XK_YXQZ": "2023-03-05", "XK_YXQZI": "2028-03-04", "XK_XKJG": "厦门市市场监督管理局",
               "XK_XKJGDM": AGENCY, "XK_ZT": "有效", "XK_LYDW": "厦门市市场监督管理局", "XK_LYDWDM": AGENCY}
    assert accepted({}, definition=XZXK, base=licence)["XK_YXQZI"] == date(2028, 3, 4)
    assert reasons({"XK_YXQZI": "2023-03-04"}, definition=XZXK, base=licence) == [
        "「有效期至」（2023-03-04）早于「有效期自」（2023-03-05）"]
    assert reasons({"XK_YXQZI": "2023-02-01", "XK_YXQZ": "2023-01-01"}, definition=XZXK, base=licence) == [
        "「有效期至」（2023-02-01）早于「许可决定日期」（2023-03-01）"]


# --- enumerations ---------------------------------------------------------------------------

def test_enum() -> None:
    assert reasons({"CF_XDR_LB": "法人"}) == [
        "「行政相对人类别」应为以下之一：法人及非法人组织、自然人、个体工商户；实为：法人"]


def test_multi_valued_enum() -> None:
    row = accepted({"CF_CFLB": " 警告；罚款 ; "})
    assert row["CF_CFLB"] == "警告;罚款" and row["_severity"] == "一般"
    assert reasons({"CF_CFLB": "警告;罚金"}) == [
        ("「处罚类别」中的“罚金”不是可选值（可选：警告、通报批评、罚款、没收违法所得、没收非法财物、暂扣许可证件、降低资质等级、"
         "吊销许可证件、限制开展生产经营活动等 14 项；多个值用分号分隔）")]
    assert reasons({"CF_CFLB": "；;"}) == ["必填项「处罚类别」为空"]


@pytest.mark.parametrize(("kinds", "severity"), [("警告", "轻微"), ("警告;通报批评", "轻微"), ("警告;罚款", "一般"),
                                                 ("罚款;吊销许可证件", "严重"), ("其他", "一般")])
def test_severity(kinds: str, severity: str) -> None:
    assert accepted({"CF_CFLB": kinds})["_severity"] == severity == XZCF.classify({"CF_CFLB": kinds}).value


# --- money and integers ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "canonical"), [("12.500000", "12.5"), ("012.5", "12.5"), ("0.000", "0"),
                                                 ("３．５", "3.5"), ("0.000001", "0.000001"), ("100", "100")])
def test_money(text: str, canonical: str) -> None:
    assert accepted({"CF_NR_FK": text})["CF_NR_FK"] == canonical


@pytest.mark.parametrize(("text", "reason"), [
    ("1,234.5", "「罚款金额(万元)」不能使用千位分隔符，请直接填写数字，如 1234.5：1,234.5"),
    ("1e5", "「罚款金额(万元)」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）：1e5"),
    ("十万", "「罚款金额(万元)」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）：十万"),
    ("-1", "「罚款金额(万元)」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）：-1"),
    ("1.1234567", "「罚款金额(万元)」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）：1.1234567"),
    ("5万元", "「罚款金额(万元)」应为不超过6位小数的数字（单位万元，不能为负数，不带单位）：5万元"),
    ("1234567890123", "「罚款金额(万元)」数值过大（整数部分超过 12 位），请确认单位为万元：1234567890123"),
])
def test_bad_money(text: str, reason: str) -> None:
    assert reasons({"CF_NR_FK": text}) == [reason]


CUSTOM = parse_definition_text("""
code: demo
name: 演示
version: "1"
category: 测试
openness: 公开
adverse: false
subject_kinds: [法人及非法人组织]
natural_key: [BH]
decision_date_field: RQ
severity: {default: 一般}
display: {一般: {max_months: 12}}
fields:
  - {code: BH, label: 编号, type: string, max_length: 20, required: true}
  - {code: RQ, label: 日期, type: date, required: true}
  - {code: SL, label: 数量, type: integer}
  - {code: QH, label: 行政区划, type: region}
""", "demo.yaml")


def test_integer() -> None:
    assert check({"SL": " ４２ "}, definition=CUSTOM, base={"BH": "1", "RQ": "2023-01-01"}).frame["SL"].to_list() == [42]
    for bad in ("4.2", "-1", "1" * 19, "四十二"):
        assert reasons({"SL": bad}, definition=CUSTOM, base={"BH": "1", "RQ": "2023-01-01"}) == [
            f"「数量」应为整数（只能填写数字，最多 18 位）：{bad}"]


def test_region() -> None:
    base = {"BH": "1", "RQ": "2023-01-01"}
    assert check({"QH": "350203"}, definition=CUSTOM, base=base).frame["QH"].to_list() == ["350203"]
    assert codes.is_known_region("350203") and not codes.is_known_region("359999")
    for bad in ("359999", "35020", "厦门"):
        assert reasons({"QH": bad}, definition=CUSTOM, base=base) == [
            f"「行政区划」不是有效的行政区划代码（应为 6 位数字，如 350203）：{bad}"]


# --- codes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [COMPANY.lower(), " ９１" + COMPANY[2:] + "\u3000", COMPANY[:8] + "-" + COMPANY[8:],
                                  COMPANY[:9] + " " + COMPANY[9:]])
def test_uscc_is_normalised(text: str) -> None:
    assert accepted({"CF_XDR_SHXYM": text})["CF_XDR_SHXYM"] == COMPANY


def test_bad_uscc() -> None:
    expected = codes.uscc_check_char(COMPANY[:17])
    assert reasons({"CF_XDR_SHXYM": wrong_check(COMPANY)}) == [
        f"「统一社会信用代码」校验位错误：应为{expected}，实为{wrong_check(COMPANY)[-1]}"]
    assert reasons({"CF_CFJGDM": AGENCY[:17]}) == ["「处罚机关统一社会信用代码」长度应为18位，实为17位"]
    assert reasons({"CF_CFJGDM": "O" + AGENCY[1:]}) == [
        "「处罚机关统一社会信用代码」第1位字符'O'无效（只能使用数字和除I、O、Z、S、V外的大写字母）"]
    assert reasons({"CF_SJLYDM": AGENCY[:5] + "中" + AGENCY[6:]}) == [
        "「数据来源单位统一社会信用代码」第6位字符'中'无效（只能使用数字和除I、O、Z、S、V外的大写字母）"]


def test_resident_id() -> None:
    assert accepted(PERSON_ROW | {"CF_XDR_ZJHM": " " + PERSON.lower()[:-1] + PERSON[-1] + " "})["CF_XDR_ZJHM"] == PERSON
    legacy = "350203800101123"
    assert accepted(PERSON_ROW | {"CF_XDR_ZJHM": legacy})["CF_XDR_ZJHM"] == codes.convert_legacy_resident_id(legacy)
    assert accepted(PERSON_ROW | {"CF_XDR_ZJLX": "身份证"})["CF_XDR_ZJLX"] == "居民身份证"


@pytest.mark.parametrize(("number", "reason"), [
    (wrong_check(PERSON), "「证件号码」校验位错误，请核对号码是否填错"),
    (resident_id("35020319800230123"), "「证件号码」中的出生日期无效"),
    (resident_id("99999919800101123"), "「证件号码」的地址码（前 6 位）不是有效的行政区划代码"),
    ("35020319800101123Y", "「证件号码」含有无效字符"),
    ("3502031980010112", "「证件号码」长度应为18位（或15位旧号码），实为16位"),
])
def test_bad_resident_id_is_masked(number: str, reason: str) -> None:
    [error] = check(PERSON_ROW | {"CF_XDR_ZJHM": number}).errors
    assert (error.field, error.reason) == ("CF_XDR_ZJHM", reason)
    assert error.value == codes_masked(number)
    assert number not in error.value and number[6:14] not in error.reason and number[6:14] not in error.value


def codes_masked(number: str) -> str:
    return mask_document("居民身份证", number)


def test_other_document_types() -> None:
    assert accepted(PERSON_ROW | {"CF_XDR_ZJLX": "护照", "CF_XDR_ZJHM": "e1234 5678"})["CF_XDR_ZJHM"] == "E12345678"
    assert accepted(PERSON_ROW | {"CF_XDR_ZJLX": "回乡证", "CF_XDR_ZJHM": "H12345678"})["CF_XDR_ZJLX"] == \
        "港澳居民来往内地通行证"
    [error] = check(PERSON_ROW | {"CF_XDR_ZJLX": "护照", "CF_XDR_ZJHM": "E1#345678"}).errors
    assert error.reason == "「证件号码」含有无效字符" and error.value == codes_masked("E1#345678") == "E******78"
    assert reasons(PERSON_ROW | {"CF_XDR_ZJLX": "台胞证", "CF_XDR_ZJHM": "1234567"}) == [
        "「证件号码」长度应为8位数字（旧版10位数字，可加1位字母），实为7位"]


def test_document_type() -> None:
    assert reasons(PERSON_ROW | {"CF_XDR_ZJLX": "驾驶证"}) == [
        ("「证件类型」应为以下之一：居民身份证、港澳居民来往内地通行证、台湾居民来往大陆通行证、港澳台居民居住证、"
         "外国人永久居留身份证、护照；实为：驾驶证")]
    # A number needs its type: the representative's fields are optional, but not half-filled.
    assert reasons({"CF_FR_ZJHM": PERSON}) == ["填写了「法定代表人证件号码」时，「法定代表人证件类型」必填"]
    assert accepted({"CF_FR_ZJLX": "居民身份证", "CF_FR_ZJHM": PERSON})["CF_FR_ZJHM"] == PERSON


def test_personal_values_are_masked_in_every_error() -> None:
    result = check(PERSON_ROW | {"CF_XDR_ZJHM": PERSON + "1234"})
    assert [(e.field, e.value) for e in result.errors] == [("CF_XDR_ZJHM", codes_masked(PERSON + "1234"))]
    assert PERSON not in repr(result.errors)


# --- the operation column -------------------------------------------------------------------

def test_operation() -> None:
    assert accepted({"CZLX": "新增"})["CZLX"] is None and accepted({"CZLX": " 变更 "})["CZLX"] is None
    assert reasons({"CZLX": "删除"}) == ["「操作类型」应为新增、变更或撤销（不填表示新增或变更）：删除"]


def test_revocation_needs_only_the_natural_key() -> None:
    revoke = {"CZLX": "撤销", "CF_WSH": "厦市监罚〔2023〕1号", "CF_XDR_MC": "厦门某某贸易有限公司"}
    assert accepted({}, base=revoke)["CZLX"] == "撤销"
    assert reasons({"CF_WSH": None}, base=revoke) == ["必填项「行政处罚决定书文号」为空"]
    assert reasons({"CF_JDRQ": "2023-02-30"}, base=revoke) == ["「处罚决定日期」不是有效日期：2023-02-30"]


# --- vectorised paths agree with row-at-a-time results --------------------------------------

CELLS = {
    "CF_XDR_LB": ["法人及非法人组织", "自然人", "个体工商户", "法人", None],
    "CF_XDR_SHXYM": [COMPANY, COMPANY.lower(), wrong_check(COMPANY), "00000000000000000X", None, " " + COMPANY],
    "CF_XDR_ZJLX": ["居民身份证", "身份证", "护照", None, "驾驶证"],
    "CF_XDR_ZJHM": [PERSON, wrong_check(PERSON), "E12345678", None, "350203800101123"],
    "CF_JDRQ": ["2023-03-01", "2023/3/1", "2023-02-30", "x", None],
    "CF_YXQ": ["2024-03-01", "2023-01-01", "2099-12-31"],
    "CF_CFLB": ["罚款", "警告;罚款", "罚金", "吊销许可证件", None],
    "CF_NR_FK": ["1", "1.50", "1,000", None],
    "CF_SY": ["事实", "事实\x01", "a\r\nb", None],
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELLS.items()}), min_size=1, max_size=12),
       st.integers(1, 40))
def test_chunk_results_do_not_depend_on_repetition(rows: list[dict[str, Any]], copies: int) -> None:
    """Repetitive columns are checked per distinct value; the result must equal checking each row alone."""
    alone = [validate_chunk(frame([GOOD | r]), XZCF) for r in rows]
    together = validate_chunk(frame([GOOD | r for r in rows] * copies), XZCF)
    n = len(rows)
    expected = [(2 + k * n + i, e.field, e.value, e.reason) for k in range(copies) for i, a in enumerate(alone)
                for e in a.errors]
    assert [(e.row, e.field, e.value, e.reason) for e in together.errors] == expected
    good_alone = pl.concat([a.frame for a in alone])
    assert together.rejected_rows == copies * sum(a.rejected_rows for a in alone)
    assert together.frame.drop("_row").equals(pl.concat([good_alone] * copies).drop("_row"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(valid_resident_ids() | legacy_resident_ids() | mutated(valid_resident_ids()) | junk, min_size=1,
                max_size=30),
       st.lists(valid_usccs() | mutated(valid_usccs()) | junk, min_size=1, max_size=30))
def test_codes_agree_with_codes_py_end_to_end(numbers: list[str], subjects: list[str]) -> None:
    """Whatever the path a code takes through the validator, it is accepted exactly when codes.py accepts
    it, and stored as codes.py normalises it."""
    rows = [PERSON_ROW | {"CF_XDR_ZJHM": n} for n in numbers] + [{"CF_XDR_SHXYM": u} for u in subjects]
    result = validate_chunk(frame([GOOD | r for r in rows]), XZCF)
    stored = dict(zip(result.frame["_row"].to_list(), zip(result.frame["CF_XDR_ZJHM"].to_list(),
                                                          result.frame["CF_XDR_SHXYM"].to_list(), strict=True),
                      strict=True))
    for i, number in enumerate(numbers):
        fine = number.strip() != "" and codes.is_valid_resident_id(number) and len(number.strip()) <= 64
        assert (i + 2 in stored) == fine, number
        if fine:
            assert stored[i + 2][0] == codes.validate_resident_id(number)
    for j, code in enumerate(subjects, start=len(numbers)):
        fine = code.strip() != "" and codes.is_valid_uscc(code)
        assert (j + 2 in stored) == fine, code
        if fine:
            assert stored[j + 2][1] == codes.validate_uscc(code)


@pytest.mark.parametrize("plan", ["direct", "sparse", "dictionary"])
def test_every_plan_gives_the_same_result(plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking every row, only the filled rows, or each distinct value once must not change anything."""
    rows = [GOOD | {k: v[i % len(v)] for k, v in CELLS.items()} for i in range(60)]
    rows += [GOOD | {k: v[(i * 7 + 3) % len(v)] for k, v in CELLS.items()} for i in range(60)]
    chunk = frame(rows)
    expected = validate_chunk(chunk, XZCF)
    plans, chosen = validation._plans, plan

    def forced(frame_: pl.DataFrame, fields: list[Any]) -> dict[str, str]:
        cheap = {c for c in frame_.columns if c in XZCF.field_map and XZCF.field_map[c].type in validation._ROWWISE}
        return {c: chosen if chosen != "dictionary" or c not in cheap else was
                for c, was in plans(frame_, fields).items()}
    monkeypatch.setattr(validation, "_plans", forced)
    got = validate_chunk(chunk, XZCF)
    assert got.errors == expected.errors and got.rejected_rows == expected.rejected_rows > 0
    assert got.frame.equals(expected.frame)


# --- speed ----------------------------------------------------------------------------------

FRAGMENTS = ["当事人未取得许可擅自从事经营活动", "违反了《中华人民共和国食品安全法》第三十五条第一款的规定",
             "经查，当事人于2023年3月至5月期间在其经营场所销售超过保质期的食品", "共计货值金额人民币叁仟贰佰元",
             "依据《中华人民共和国行政处罚法》第二十八条", "责令改正违法行为并处以罚款", "没收违法所得",
             "案件调查终结后经集体讨论决定", "当事人积极配合调查，主动消除违法行为危害后果"]


def synthetic_xzcf(n: int, seed: int = 0) -> pl.DataFrame:
    """n valid 行政处罚 rows (22 columns) drawn from 4,000 varied subjects, each with its own 文号 and 违法事实."""
    rng = random.Random(seed)
    pool = 4000

    def code(prefix: str, region: str) -> str:
        return uscc(prefix + region + "".join(rng.choice(_USCC_ALPHABET) for _ in range(9)))

    kinds = rng.choices(["法人及非法人组织", "自然人", "个体工商户"], weights=[7, 2, 1], k=pool)
    decided = [date(2019, 1, 1) + timedelta(days=rng.randrange(1800)) for _ in range(pool)]
    born = [date(1950, 1, 1) + timedelta(days=rng.randrange(20000)) for _ in range(pool)]
    rows = {
        "CF_XDR_MC": [f"厦门市某某贸易有限公司{i}" if k != "自然人" else rng.choice("张王李赵陈") + "某"
                      for i, k in enumerate(kinds)],
        "CF_XDR_LB": kinds,
        "CF_XDR_SHXYM": [None if k == "自然人" else code("92" if k == "个体工商户" else "91", "350203") for k in kinds],
        "CF_FRDB": [None if k == "自然人" else rng.choice("张王李赵陈") + "某" for k in kinds],
        "CF_XDR_ZJLX": ["居民身份证" if k == "自然人" else None for k in kinds],
        "CF_XDR_ZJHM": [resident_id(f"350203{b:%Y%m%d}{rng.randrange(1000):03d}") if k == "自然人" else None
                        for k, b in zip(kinds, born, strict=True)],
        "CF_WFXW": [rng.choice(FRAGMENTS[:3]) for _ in range(pool)],
        "CF_YJ": ["《中华人民共和国食品安全法》第一百二十四条第一款" + rng.choice(FRAGMENTS) for _ in range(pool)],
        "CF_CFLB": rng.choices(["罚款", "警告", "警告;罚款", "没收违法所得;罚款", "吊销许可证件", "通报批评"], k=pool),
        "CF_NR": [rng.choice(FRAGMENTS[4:]) + f"，罚款人民币{rng.randrange(1, 100)}千元" for _ in range(pool)],
        "CF_NR_FK": [f"{rng.randrange(0, 500)}.{rng.randrange(0, 10000):04d}" for _ in range(pool)],
        "CF_JDRQ": [d.isoformat() for d in decided],
        "CF_YXQ": [(d + timedelta(days=365)).isoformat() for d in decided],
        "CF_GSJZQ": [(d + timedelta(days=rng.choice([90, 365, 1095]))).isoformat() for d in decided],
        "CF_CFJG": [rng.choice(["厦门市市场监督管理局", "厦门市思明区市场监督管理局", "厦门市生态环境局"]) for _ in range(pool)],
        "CF_CFJGDM": [code("11", "350200") for _ in range(pool)],
        "CF_SJLY": ["厦门市市场监督管理局"] * pool,
        "CF_SJLYDM": [AGENCY] * pool,
        "BZ": [rng.choice([None, "无", "已缴纳罚款"]) for _ in range(pool)],
    }
    sample = pl.DataFrame(rows, schema={k: pl.String for k in rows}).sample(n, with_replacement=True, seed=seed)
    i = pl.int_range(0, n, dtype=pl.Int64)
    pick = pl.Series([rng.randrange(len(FRAGMENTS)) for _ in range(min(n, 100_000))])
    a, b = (pick.sample(n, with_replacement=True, seed=seed + k) for k in (1, 2))
    fragment = pl.Series(FRAGMENTS)
    return sample.with_columns(
        _row=i + 2,
        CF_WSH=pl.format("厦市监处罚〔{}〕{}号", (i % 5 + 2019).cast(pl.String), i.cast(pl.String)),
        CF_SY=pl.concat_str(fragment.gather(a), pl.lit("，"), fragment.gather(b), pl.lit("，案号"), i.cast(pl.String),
                            pl.lit("。"), fragment.gather(b), fragment.gather(a)),
    )


def test_synthetic_rows_are_valid() -> None:
    result = validate_chunk(synthetic_xzcf(5_000, seed=3), XZCF)
    assert result.errors == [] and result.frame.height == 5_000


def test_speed() -> None:
    rows = synthetic_xzcf(200_000)
    validate_chunk(rows.head(1000), XZCF)  # warm up
    start = time.perf_counter()
    result = validate_chunk(rows, XZCF)
    elapsed = time.perf_counter() - start
    print(f"\nvalidated {rows.height:,} xzcf rows in {elapsed:.2f} s: {rows.height / elapsed:,.0f} rows/s")
    assert result.rejected_rows == 0
    assert rows.height / elapsed > 50_000
