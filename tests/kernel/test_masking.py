"""Tests for the masking rules applied to personal data in public output."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.masking import (
    mask_address,
    mask_document,
    mask_id_number,
    mask_name,
    mask_phone,
)

MASKERS = [mask_name, mask_id_number, mask_phone, mask_address]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张*丰"),
        ("欧阳娜娜", "欧**娜"),
        ("张", "*"),
        ("John Smith", "J*** S****"),
        ("  张三丰 ", "张*丰"),
        ("张 三", "张*"),
        ("José Li", "J*** L*"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("350602199001011234", "3506**********1234"),
        ("35060219900101123X", "3506**********123X"),
        ("350602900101123", "35***********23"),  # old 15-digit number
        ("E12345678", "E******78"),
        ("12345", "****5"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


def test_mask_document_uses_the_id_rule_for_every_type() -> None:
    assert mask_document("居民身份证", "350602199001011234") == "3506**********1234"
    assert mask_document("护照", "E12345678") == mask_id_number("E12345678")
    assert mask_document("不认识的类型", "350602199001011234") == "3506**********1234"
    assert mask_document(None, None) == ""


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("0596-1234567", "0596-***4567"),
        ("010-12345678", "010-****5678"),
        ("05961234567", "*******4567"),
        ("12345678", "****5678"),
        ("123", "**3"),
        ("", ""),
    ],
)
def test_mask_phone(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("福建省漳州市芗城区胜利路123号", "福建省漳州市芗城区****"),
        ("北京市朝阳区建国路1号", "北京市朝阳区****"),
        ("上海市浦东新区张江路88弄3号", "上海市浦东新区****"),
        ("福建省晋江市陈埭镇岸兜村", "福建省晋江市****"),
        ("内蒙古自治区锡林郭勒盟正蓝旗上都镇", "内蒙古自治区锡林郭勒盟正蓝旗****"),
        ("重庆市石柱土家族自治县南宾街道", "重庆市石柱土家族自治县****"),
        ("芗城区市场路5号", "芗城区****"),
        ("福建省漳州市芗城区", "福建省漳州市芗城区"),
        ("胜利路一百二十三号六栋", "胜利路一百****"),
        ("", ""),
    ],
)
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked


def test_address_never_shows_the_house_number() -> None:
    assert "123" not in mask_address("福建省漳州市芗城区胜利路123号")
    assert "123" not in mask_address("胜利路123号")


@pytest.mark.parametrize("mask", MASKERS)
@pytest.mark.parametrize("odd", [None, 13812345678, 3.5, b"\xff", object(), "\x00\ud800", "　"])
def test_odd_input_never_raises(mask, odd) -> None:  # type: ignore[no-untyped-def]
    result = mask(odd)
    assert isinstance(result, str)
    if odd is None:
        assert result == ""


ID_DIGITS = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(max_examples=300)
@given(body=ID_DIGITS, check=st.sampled_from("0123456789X"))
def test_masked_id_hides_the_birth_date(body: str, check: str) -> None:
    number = body + check
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert number[4:14] not in masked
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert masked[4:14] == "*" * 10


@settings(max_examples=300)
@given(number=st.text(alphabet="0123456789X", min_size=1, max_size=30))
def test_masked_id_keeps_length_and_shows_at_most_a_third(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    visible = sum(1 for c in masked if c != "*")
    assert visible <= (8 if len(number) == 18 else len(number) // 3)


@settings(max_examples=300)
@given(
    phone=st.one_of(
        st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
        st.from_regex(r"0\d{2,3}-\d{7,8}", fullmatch=True),
        st.text(alphabet="0123456789-+ ", min_size=1, max_size=20).map(str.strip),
    )
)
def test_masked_phone_keeps_length_and_hides_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    if len(phone) >= 7:
        assert "*" in masked


@settings(max_examples=500)
@given(text=st.text())
def test_maskers_never_raise_on_arbitrary_text(text: str) -> None:
    for mask in MASKERS:
        assert isinstance(mask(text), str)
    assert isinstance(mask_document(text, text), str)


@settings(max_examples=300)
@given(name=st.text(min_size=2).filter(lambda s: len(s.strip()) >= 1))
def test_masked_chinese_style_name_hides_something(name: str) -> None:
    if re.search(r"[A-Za-zÀ-ɏ]", name):
        return  # Latin names keep each word's initial; covered by the examples above
    assert "*" in mask_name(name)
