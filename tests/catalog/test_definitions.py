"""Tests for xinyong.catalog.definitions: shipped catalogue, refusals with file and line, 29 key groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from xinyong.catalog.definitions import (
    DOCUMENT_TYPES,
    CatalogDefinitionError,
    FieldType,
    Openness,
    RecordTypeDefinition,
    SeverityClass,
    check_unique,
    load_builtin_definitions,
    load_occupational_groups,
    parse_definition_file,
    parse_definition_text,
    parse_occupational_groups_text,
)
from xinyong.errors import InvalidInput

DATA = Path(__file__).resolve().parents[2] / "src" / "xinyong" / "catalog" / "data"
XZCF_REQUIRED = {
    "CF_XDR_MC", "CF_XDR_LB", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_JDRQ", "CF_YXQ",
    "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM",
}

# A small valid definition; the bad cases below are edits of it.
GOOD = """\
code: demo
name: 示例处罚
version: "2021"
category: 测试
openness: 公开
adverse: true
subject_kinds: [法人及非法人组织, 自然人]
natural_key:
  - WSH
decision_date_field: JDRQ
severity:
  default: 一般
  rules:
    - {field: CFLB, any_of: [警告], class: 轻微}
display:
  轻微: {publish: false, max_months: 3}
  一般: {min_months: 3, max_months: 12}
fields:
  - code: MC
    label: 名称
    type: string
    max_length: 200
    required: true
  - code: LB
    label: 类别
    type: enum
    enum: [法人及非法人组织, 自然人]
    required: true
  - code: ZJLX
    label: 证件类型
    type: document_type
    required_if: {field: LB, equals: 自然人}
  - code: ZJHM
    label: 证件号码
    type: id_number
    document_type_field: ZJLX
    personal: true
  - code: WSH
    label: 文书号
    type: string
    max_length: 64
  - code: CFLB
    label: 处罚类别
    type: enum
    multi: true
    enum: [警告, 罚款]
  - code: JDRQ
    label: 决定日期
    type: date
"""


def edit(old: str, new: str, text: str = GOOD) -> str:
    """GOOD with one exact snippet replaced; the snippet must be there."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, marker: str = "#<-") -> int:
    """1-based line that carries the marker comment."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if marker in line)


def refused(text: str, source: str = "demo.yaml") -> CatalogDefinitionError:
    with pytest.raises(CatalogDefinitionError) as info:
        parse_definition_text(text, source)
    err = info.value
    assert err.source == source and source in err.message and f"第{err.line}行" in err.message
    return err


# --- the shipped catalogue -----------------------------------------------------------------------

def test_good_sample_parses() -> None:
    d = parse_definition_text(GOOD, "demo.yaml")
    assert d.code == "demo" and d.openness is Openness.PUBLIC and d.source == "demo.yaml" and d.code_line == 1
    assert d.field_map["ZJHM"].type is FieldType.ID_NUMBER and d.personal_fields == ("ZJHM",)


def test_all_shipped_files_parse_sorted_and_unique() -> None:
    defs = load_builtin_definitions()
    codes = [d.code for d in defs]
    assert codes == sorted(codes) == sorted({p.stem for p in DATA.glob("*.yaml")})
    assert set(codes) >= {"xzxk", "xzcf", "xzqz", "sxbzxr", "bzjl", "xycn", "zwsx"}
    for d in defs:
        assert d.source == f"{d.code}.yaml"
        assert parse_definition_file(DATA / d.source).model_dump() == d.model_dump()
    check_unique(defs)


def test_every_enum_field_has_values_and_personal_numbers_are_masked() -> None:
    for d in load_builtin_definitions():
        for f in d.fields:
            assert (f.type is FieldType.ENUM) == bool(f.enum), (d.code, f.code)
            if f.type is FieldType.ID_NUMBER:
                assert f.personal and d.field_map[f.document_type_field].type is FieldType.DOCUMENT_TYPE
        assert d.field_map[d.decision_date_field].type is FieldType.DATE


def test_xzcf_has_exactly_the_fourteen_required_fields() -> None:
    xzcf = {d.code: d for d in load_builtin_definitions()}["xzcf"]
    assert set(xzcf.required_fields) == XZCF_REQUIRED and len(xzcf.required_fields) == 14
    assert set(xzcf.field_map) == XZCF_REQUIRED | {
        "CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ", "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_FRDB",
        "CF_FR_ZJLX", "CF_FR_ZJHM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX",
        "CF_GSJZQ", "BZ",
    }
    assert xzcf.field_map["CF_XDR_LB"].enum == ("法人及非法人组织", "自然人", "个体工商户")
    assert xzcf.field_map["CF_CFLB"].enum == (
        "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
        "吊销许可证件",
        "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留", "其他")
    assert xzcf.field_map["CF_NR_FK"].type is FieldType.MONEY
    assert xzcf.field_map["CF_XDR_ZJHM"].required_if.values == ("自然人",)
    assert "法人及非法人组织" in xzcf.field_map["CF_XDR_SHXYM"].required_if.values
    assert xzcf.aliases["CF_XDR_SHDM"] == "CF_XDR_SHXYM" and xzcf.aliases["行政相对人名称"] == "CF_XDR_MC"


def test_xzcf_severity_and_display() -> None:
    xzcf = {d.code: d for d in load_builtin_definitions()}["xzcf"]
    assert xzcf.classify({"CF_CFLB": "警告"}) is SeverityClass.MINOR
    assert xzcf.classify({"CF_CFLB": "罚款"}) is SeverityClass.GENERAL
    assert xzcf.classify({"CF_CFLB": "警告;罚款"}) is SeverityClass.GENERAL
    assert xzcf.classify({"CF_CFLB": "罚款；吊销许可证件"}) is SeverityClass.SERIOUS
    assert xzcf.classify({}) is SeverityClass.GENERAL
    assert not xzcf.is_published(SeverityClass.MINOR) and xzcf.is_published(SeverityClass.SERIOUS)
    rules = {c: (r.min_months, r.max_months) for c, r in xzcf.display.items()}
    assert rules == {
        SeverityClass.MINOR: (None, 3), SeverityClass.GENERAL: (3, 12), SeverityClass.SERIOUS: (12, 36)}


def test_other_shipped_types() -> None:
    defs = {d.code: d for d in load_builtin_definitions()}
    xzxk = defs["xzxk"]
    assert not xzxk.adverse and xzxk.display[SeverityClass.GENERAL].until_field == "XK_YXQZI"
    assert xzxk.field_map["XK_ZT"].enum == ("有效", "无效")
    assert defs["xycn"].field_map["CN_LX"].enum == (
        "审批替代型", "容缺受理型", "证明事项型", "信用修复型", "行业自律型", "主动型")
    zwsx = defs["zwsx"]
    assert zwsx.openness is Openness.CONDITIONAL and not zwsx.is_published(SeverityClass.SERIOUS)
    assert defs["zwsx"].classify({"ZW_YZCD": "严重"}) is SeverityClass.SERIOUS
    assert defs["sxbzxr"].adverse and defs["sxbzxr"].severity.default is SeverityClass.SERIOUS
    assert not defs["bzjl"].adverse


def test_model_dump_validates_back() -> None:
    for d in load_builtin_definitions():
        dumped = d.model_dump(mode="json")
        assert RecordTypeDefinition.model_validate(dumped).model_dump(mode="json") == dumped


# --- refusals, each with the line of the offending node ------------------------------------------

RULE = "    - {field: CFLB, any_of: [警告], class: 轻微}\n"
ZJLX_IF = "    required_if: {field: LB, equals: 自然人}\n"
GENERAL = "{min_months: 3, max_months: 12}"
# case: (snippet of GOOD, its replacement, part of the expected message); "#<-" marks the expected line.
BAD_CASES = {
    "unknown field key": ("    max_length: 64\n", "    lenght: 64 #<-\n", "未知字段 'lenght'"),
    "unknown top-level key": ("category: 测试\n", "category: 测试\ncolour: red #<-\n", "未知字段 'colour'"),
    "max_length not a number": ("    max_length: 64\n", '    max_length: "abc" #<-\n', "应为整数"),
    "max_length quoted number": ("    max_length: 64\n", '    max_length: "64" #<-\n', "应为整数"),
    "required not a boolean": ("    required: true\n  - code: LB", '    required: "yes" #<-\n  - code: LB',
                               "true 或 false"),
    "required YAML 1.1 yes": ("    required: true\n  - code: LB", "    required: yes #<-\n  - code: LB",
                              "true 或 false"),
    "openness not allowed": ("openness: 公开\n", "openness: 半公开 #<-\n", "'openness' 的取值 '半公开' 无效"),
    "field type unknown": ("    type: date\n", "    type: datetime #<-\n", "'type' 的取值"),
    "severity class unknown": ("class: 轻微}", "class: 特别轻微} #<-", "'class' 的取值"),
    "display class unknown": (f"  一般: {GENERAL}\n", f"  普通: {GENERAL} #<-\n", "'普通' 无效"),
    "subject kind unknown": ("自然人]\nnatural_key", "自然人, 法人] #<-\nnatural_key",
                             "'subject_kinds' 的取值 '法人' 无效"),
    "version unquoted": ('version: "2021"', "version: 2021 #<-", "'version' 应为文本"),
    "catalogue code pattern": ("code: demo\n", "code: Demo-1 #<-\n", "格式不符"),
    "duplicate field code": ("  - code: WSH\n", "  - code: MC #<-\n", "字段代码 'MC' 重复"),
    "duplicate label": ("    label: 文书号\n", "    label: 名称 #<-\n", "名称 '名称' 已被字段 'MC' 使用"),
    "natural key unknown": ("  - WSH\n", "  - WSH\n  - WSH2 #<-\n", "不存在的字段 'WSH2'"),
    "decision date unknown": ("_field: JDRQ", "_field: RQ #<-", "不存在的字段 'RQ'"),
    "decision date not a date": ("_field: JDRQ", "_field: WSH #<-", "类型应为 date"),
    "severity field unknown": (RULE, RULE.replace("CFLB", "CFLX")[:-1] + " #<-\n", "不存在的字段 'CFLX'"),
    "severity value not in enum": (RULE, RULE.replace("警告", "训诫")[:-1] + " #<-\n",
                                   "'训诫' 不是字段 'CFLB' 的取值"),
    "required_if field unknown": (ZJLX_IF, ZJLX_IF.replace("LB", "XDR_LB")[:-1] + " #<-\n",
                                  "不存在的字段 'XDR_LB'"),
    "required_if value not in enum": (ZJLX_IF, ZJLX_IF.replace("自然人", "个人")[:-1] + " #<-\n",
                                      "'个人' 不是字段 'LB' 的取值"),
    "required and required_if": (ZJLX_IF, "    required: true\n" + ZJLX_IF[:-1] + " #<-\n", "不能同时设置"),
    "required_if without values": (ZJLX_IF, "    required_if: {field: LB} #<-\n", "equals 或 any_of"),
    "enum without values": ("    type: enum\n    enum: [法人及非法人组织, 自然人]\n", "    type: enum #<-\n",
                            "必须给出非空的 enum 取值"),
    "enum on a non-enum field": ("    type: date\n", "    type: date\n    enum: [a] #<-\n", "只有 enum 类型"),
    "id_number without its document type": ("    document_type_field: ZJLX\n", "", "document_type_field"),
    "string without max_length": ("    type: string\n    max_length: 64\n", "    type: string #<-\n",
                                  "必须设置 max_length"),
    "display rule missing": ("  轻微: {publish: false, max_months: 3}\n", "", "缺少失信程度 '轻微'"),
    "display min above max": (GENERAL, "{min_months: 13, max_months: 12} #<-", "min_months 大于 max_months"),
    "published class never ends": (GENERAL, "{min_months: 3} #<-", "max_months"),
    "until_field not a date": (GENERAL, "{max_months: 12, until_field: WSH} #<-", "类型应为 date"),
    "legacy target unknown": ("fields:\n", "legacy_fields: {OLD: MC2} #<-\nfields:\n", "不存在的字段 'MC2'"),
    "legacy code clashes": ("fields:\n", "legacy_fields: {WSH: MC} #<-\nfields:\n",
                            "旧字段代码 'WSH' 与现行字段冲突"),
    "duplicate YAML key at top": ("category: 测试\n", "category: 测试\nname: 又一 #<-\n", "重复的键 'name'"),
    "duplicate YAML key in a field": ("    label: 文书号\n", "    label: 文书号\n    label: 文号 #<-\n",
                                      "重复的键 'label'"),
    "malformed YAML": ("自然人]\nnatural_key", "自然人\nnatural_key", "YAML 格式错误"),
}
# Where a marker cannot go on the offending line, the line is found by its content.
FIND = {
    "malformed YAML": "natural_key:", "id_number without its document type": "type: id_number",
    "display rule missing": "display:",
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_is_refused_with_file_and_line(case: str) -> None:
    old, new, expected = BAD_CASES[case]
    text = edit(old, new)
    err = refused(text)
    assert expected in err.message
    assert err.line == line_of(text, FIND.get(case, "#<-"))
    assert err.code == "invalid_catalog_definition" and isinstance(err, InvalidInput) and err.status == 422


def test_missing_key_points_at_its_mapping() -> None:
    err = refused(edit("name: 示例处罚\n", ""))
    assert "缺少必填项 'name'" in err.message and err.line == 1
    text = edit("  - code: JDRQ\n    label: 决定日期\n", "  - code: JDRQ #<-\n")
    assert refused(text).line == line_of(text)


def test_empty_or_non_mapping_files_are_refused() -> None:
    assert refused("").line == 1
    assert refused("# nothing but a comment\n").line == 1
    assert "顶层必须是键值映射" in refused("- a\n- b\n").message


def test_error_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(edit("    max_length: 64\n", "    lenght: 64\n"), encoding="utf-8")
    with pytest.raises(CatalogDefinitionError) as info:
        parse_definition_file(path)
    assert info.value.source == "bad.yaml" and info.value.message.startswith("未知字段 'lenght' (bad.yaml 第")


def test_duplicate_catalogue_codes_across_files_name_both() -> None:
    first = parse_definition_text(GOOD, "a.yaml")
    second = parse_definition_text("# the same code again\n" + GOOD, "b.yaml")
    with pytest.raises(CatalogDefinitionError) as info:
        check_unique([first, second])
    err = info.value
    assert err.source == "b.yaml" and err.line == 2
    assert "a.yaml 第1行" in err.message and "b.yaml 第2行" in err.message and "'demo'" in err.message
    check_unique([first, parse_definition_text(edit("code: demo\n", "code: demo2\n"), "c.yaml")])


def test_document_types_come_from_the_kernel() -> None:
    assert "居民身份证" in DOCUMENT_TYPES and "护照" in DOCUMENT_TYPES


# --- 29 key occupational groups -----------------------------------------------------------------

def test_occupational_groups_match_the_seed() -> None:
    groups = load_occupational_groups()
    assert len(groups) == 29 and [g.no for g in groups] == list(range(1, 30))
    assert len({g.code for g in groups}) == 29 and len({g.name for g in groups}) == 29
    by_no = {g.no: g for g in groups}
    first = by_no[1]
    assert (first.code, first.name, first.lead_department) == ("gwy", "公务员", "市委组织部、市公务员管理局")
    assert by_no[7].name == "执业药师(从业药师)"
    assert by_no[10].lead_department == "常州市税务局"
    assert by_no[17].lead_department == "市地方金融监督管理局、人民银行常州市中心支行、常州银监分局"
    assert by_no[23].name == "机动车驾驶人" and by_no[23].lead_department == "市公安局、市交通运输局"
    assert by_no[28].name == "工程建设设计、施工、监理负责人"
    assert by_no[29].name == "工程建设设计、施工、监理注册人员"


def _groups_text(count: int = 29) -> str:
    row = "- {{no: {i}, code: g{i}, name: 人群{i}, lead_department: 市某局}}\n"
    return "".join(row.format(i=i) for i in range(1, count + 1))


def test_occupational_groups_are_checked() -> None:
    assert len(parse_occupational_groups_text(_groups_text(), "g.yaml")) == 29
    with pytest.raises(CatalogDefinitionError, match="应有 29 类"):
        parse_occupational_groups_text(_groups_text(28), "g.yaml")
    cases = [("code: g5,", "code: g4,", "重复", 5), ("no: 6,", "no: 60,", "序号应为 6", 6),
             ("name: 人群7,", "nam: 人群7,", "未知字段 'nam'", 7)]
    for old, new, expected, line in cases:
        with pytest.raises(CatalogDefinitionError) as info:
            parse_occupational_groups_text(_groups_text().replace(old, new), "g.yaml")
        assert expected in info.value.message and info.value.line == line


@pytest.mark.parametrize("value", ["!!int xx", "!!timestamp 2021-02-30"])
def test_bad_explicit_tag_is_a_definition_error(value: str) -> None:
    with pytest.raises(CatalogDefinitionError, match="无法解析的值") as info:
        parse_definition_text(f"code: {value}\n", "tagged.yaml")
    assert "tagged.yaml" in info.value.message
