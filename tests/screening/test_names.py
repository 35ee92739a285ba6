"""The Chinese company-name normaliser and scorer: each variant with its explanation, and the negatives."""

from __future__ import annotations

import pytest

from xinyong.screening import places
from xinyong.screening.names import DEFAULT_THRESHOLD, normalise, parse_many, score, split_core

BASE = "漳州市华兴食品有限公司"


def reasons(a: str, b: str) -> tuple[float, tuple[str, ...]]:
    m = score(a, b)
    return m.score, m.reasons


def test_parts_of_a_full_name():
    p = normalise("福建省漳州市芗城区华兴食品有限责任公司")
    assert p.prefix == ("福建省", "漳州市", "芗城区") and p.region == {"350602"}
    assert (p.core, p.form, p.form_written, p.branch) == ("华兴食品", "有限公司", "有限责任公司", "")
    assert p.brand == "华兴" and split_core(p.core) == ("华兴", "食品")


@pytest.mark.parametrize(("variant", "expected"), [
    ("漳州市華興食品有限公司", "繁简转换后一致"),
    ("华兴食品有限公司", "去除地名前缀后一致"),
    ("漳州华兴食品有限公司", "地名一致：漳州"),
    ("福建省漳州市华兴食品有限公司", "地名一致：漳州"),
    ("华兴食品（漳州）有限公司", "地名一致：漳州"),
    ("漳州市华兴食品有限责任公司", "法律形式写法统一后一致：有限公司/有限责任公司"),
    ("漳州市华兴食品股份有限公司", "法律形式不同：有限公司/股份有限公司"),
    ("漳州市华兴食品有限公司\u3000", "空格差异已忽略"),
    ("漳州市 华兴 食品 有限公司", "空格差异已忽略"),
    ("【漳州】华兴食品有限公司", "地名一致：漳州"),
    ("漳州市华兴食品有限公司。", "括号和标点差异已忽略"),
])
def test_positive_variants_score_above_threshold_with_their_reason(variant, expected):
    got, why = reasons(BASE, variant)
    assert got >= DEFAULT_THRESHOLD, why
    if expected:
        assert expected in why


def test_full_width_digits():
    got, why = reasons("漳州市华兴1号食品有限公司", "漳州市华兴１号食品有限公司")
    assert got == 1.0 and "全角/半角差异已统一" in why


def test_full_width_letters_and_traditional_together():
    got, why = reasons("ＨＸ華興食品有限公司", "HX华兴食品有限公司")
    assert got == 1.0 and why[:2] == ("全角/半角差异已统一", "繁简转换后一致")


def test_bracketed_city_is_kept_as_evidence():
    p = normalise("华兴食品（漳州）有限公司")
    assert p.bracket == ("漳州",) and p.region == {"3506"} and p.core == "华兴食品"
    assert "（" not in p.core and normalise("华兴（集团）有限公司").core == "华兴集团"
    got, why = reasons("华兴食品（厦门）有限公司", "漳州华兴食品有限公司")
    assert got < DEFAULT_THRESHOLD and "城市不同：厦门 vs 漳州" in why


@pytest.mark.parametrize(("other", "expected"), [
    ("厦门市华兴食品有限公司", "城市不同：漳州 vs 厦门"),
    ("广东省华兴食品有限公司", "省份不同：福建 vs 广东"),
    ("漳州市华鑫食品有限公司", "字号不同：华兴 vs 华鑫"),
    ("漳州市中兴食品有限公司", "字号不同：华兴 vs 中兴"),
    ("漳州市华兴科技有限公司", "行业表述不同：食品 vs 科技"),
    ("漳州市华兴食品有限公司厦门分公司", "分支机构不同：总机构 vs 厦门分公司"),
])
def test_negatives_score_below_threshold_with_their_reason(other, expected):
    got, why = reasons(BASE, other)
    assert got < DEFAULT_THRESHOLD and expected in why, why


def test_district_difference_within_one_city_is_a_mismatch():
    got, why = reasons("漳州市芗城区华兴食品有限公司", "漳州市龙文区华兴食品有限公司")
    assert got < DEFAULT_THRESHOLD and "区县不同：芗城区 vs 龙文区" in why
    assert score("芗城区华兴食品有限公司", "漳州市华兴食品有限公司").score >= DEFAULT_THRESHOLD


def test_one_character_change_stays_below_threshold_even_in_long_names():
    long = "漳州市闽南金三角现代农业科技发展有限公司"
    assert score(long, long.replace("金", "银")).score < DEFAULT_THRESHOLD


def test_short_city_name_that_is_also_a_brand():
    got, why = reasons("金华食品有限公司", "漳州金华食品有限公司")
    assert got >= DEFAULT_THRESHOLD and "去除地名前缀后一致" in why
    assert score("金华食品有限公司", "金华市食品有限公司").score >= DEFAULT_THRESHOLD


def test_a_district_short_form_after_a_city_may_be_part_of_the_brand():
    p = normalise("河源市龙川春包装有限公司")
    assert p.prefix == ("河源市", "龙川") and p.core == "春包装" and p.alt_core == "龙川春包装"
    assert score("龙川春包装（河源）有限公司", p).score >= DEFAULT_THRESHOLD
    assert score("龙港贸易有限公司", "辽宁省葫芦岛市龙港贸易有限公司").score >= DEFAULT_THRESHOLD
    got, why = reasons("海东食品（许昌）有限公司", "海东食品（秦皇岛）有限公司")
    assert got < DEFAULT_THRESHOLD and "省份不同：河南 vs 河北" in why


def test_place_names_are_read_after_traditional_to_simplified():
    assert normalise("咸陽市乾縣益陽建築工程有限公司").region == {"610424"}
    assert score("鹤壁市浚县信凤科技有限公司", "鶴壁市濬縣信鳳科技有限公司").score >= DEFAULT_THRESHOLD


def test_branches():
    p = normalise("华兴食品有限公司漳州市分公司")
    assert (p.core, p.branch) == ("华兴食品", "漳州分公司")
    got, why = reasons("华兴食品有限公司漳州分公司", "華興食品有限公司漳州分公司")
    assert got >= DEFAULT_THRESHOLD and "分支机构一致：漳州分公司" in why
    assert score("华兴食品有限公司漳州分公司", "华兴食品有限公司").score < DEFAULT_THRESHOLD


def test_partnership_kinds_are_weak_evidence():
    got, why = reasons("漳州华兴商贸合伙企业（有限合伙）", "漳州华兴商贸合伙企业（普通合伙）")
    assert DEFAULT_THRESHOLD <= got < 1 and "法律形式不同：合伙企业(有限合伙)/合伙企业(普通合伙)" in why


def test_identical_and_empty_names():
    assert reasons(BASE, BASE) == (1.0, ("名称完全一致",))
    assert score("", BASE).score < DEFAULT_THRESHOLD
    assert normalise("").core == "" and parse_many([]) == []


def test_place_gazetteer_readings():
    assert places.lookup("漳州") == {"3506"} and places.lookup("福建") == {"35"}
    assert places.lookup("芗城") == frozenset() and places.lookup("芗城", nested=True) == {"350602"}
    assert places.lookup("漳州市") == {"3506"}  # the current city, not the county-level town of the 1980s
    assert places.mismatch_level(frozenset({"3506"}), frozenset({"3502"})) == 4
    assert places.mismatch_level(frozenset({"35"}), frozenset({"350602"})) is None
    assert places.display(frozenset({"350602"}), 4) == "漳州"
