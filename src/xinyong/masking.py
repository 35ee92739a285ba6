"""Masking rules for personal data in public output; nothing else in the platform masks."""

from __future__ import annotations

import re

STAR = "*"
ADDRESS_TAIL = "****"

_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
_NON_SPACE = re.compile(r"\S+")
_SPACE = re.compile(r"\s+")
_MOBILE = re.compile(r"(\+?86[- ]?)?(1\d{10})")
_LANDLINE = re.compile(r"(0\d{2,3})([- ]?)(\d{7,8})")
# A division's own name may not contain street markers or level suffixes, so a match can never
# run on into the street part ("芗城区市场路" must not yield "芗城区市"); rare names such as
# 市中区 are then over-masked, which is the safe way to be wrong.
_NAME = r"[^\s\d０-９A-Za-z路街道号巷弄里村镇乡栋幢楼室层单元#\-－—,，、()（）省市区县旗盟]"
_PROVINCE = rf"(?:{_NAME}{{1,6}}?(?:省|自治区|特别行政区))?"
_CITY = rf"(?:{_NAME}{{1,8}}?(?:市|自治州|地区|盟))?"
_COUNTY = rf"(?:{_NAME}{{1,8}}?(?:区|县|市|旗))?"
_ADMIN = re.compile(_PROVINCE + _CITY + _COUNTY)


def _text(value: object) -> str:
    """Return ``value`` as stripped text; None and unprintable objects become ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    try:
        return str(value).strip()
    except Exception:  # noqa: BLE001 - masking must never break a page over a bad value
        return ""


def mask_name(name: str | None) -> str:
    """Mask a person's name: 张三 → 张*, 张三丰 → 张*丰, 张 → *, John Smith → J*** S****."""
    text = _text(name)
    if not text:
        return ""
    if _LATIN.search(text):
        return _NON_SPACE.sub(lambda m: m.group()[0] + STAR * (len(m.group()) - 1), text)
    # "张 三" must not slip through as three characters with both ends shown.
    text = _SPACE.sub("", text)
    if len(text) == 1:
        return STAR
    if len(text) == 2:
        return text[0] + STAR
    return text[0] + STAR * (len(text) - 2) + text[-1]


def mask_id_number(number: str | None) -> str:
    """Mask an identity document number: 18 chars keep 4 + 4, others at most a third visible."""
    text = _text(number)
    if len(text) == 18:
        return text[:4] + STAR * 10 + text[-4:]
    if len(text) < 5:
        return STAR * len(text)
    visible = min(4, len(text) // 3)
    head = visible // 2
    tail = visible - head
    return text[:head] + STAR * (len(text) - visible) + text[len(text) - tail :]


def mask_document(doc_type: str | None, number: str | None) -> str:
    """Mask any personal document number (ID card, passport, permit…) with the ID rule."""
    # doc_type deliberately does not decide *whether* to mask: an unknown or mistyped type
    # must never let a personal number through. Public enterprise codes are not passed here.
    del doc_type
    return mask_id_number(number)


def mask_phone(phone: str | None) -> str:
    """Mask a phone number: 13812345678 → 138****5678, 0596-1234567 → 0596-***4567."""
    text = _text(phone)
    mobile = _MOBILE.fullmatch(text)
    if mobile:
        prefix, digits = mobile.group(1) or "", mobile.group(2)
        return prefix + digits[:3] + STAR * 4 + digits[7:]
    landline = _LANDLINE.fullmatch(text)
    if landline and landline.group(2):
        area, sep, local = landline.groups()
        return area + sep + STAR * (len(local) - 4) + local[-4:]
    keep = min(4, len(text) // 2)
    return STAR * (len(text) - keep) + text[len(text) - keep :]


def mask_address(address: str | None) -> str:
    """Keep the administrative part of an address up to its county (区/县/市/旗) and hide the rest."""
    text = _text(address)
    if not text:
        return ""
    admin = _ADMIN.match(text)
    prefix = admin.group() if admin else ""
    if not prefix:
        # No administrative division recognised: show at most half, never the house number part.
        prefix = text[: min(6, len(text) // 2)]
    if prefix == text:
        return text
    return prefix + ADDRESS_TAIL
