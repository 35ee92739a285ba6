"""The vectorised code checks agree with the scalar reference in xinyong.codes on every input."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong import codes
from xinyong.codes import _USCC_ALPHABET, _USCC_PROVINCES, _USCC_TABLE
from xinyong.records import vector_codes as vc

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REGIONS = sorted(codes.known_regions())
PAIRS = sorted(a + b for a, (_, kinds) in _USCC_TABLE.items() for b in kinds)
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
# Chars that exercise every normalisation branch: full width, lower case, every kind of space,
# hyphens, look-alikes ("ß" and "ﬀ" upper-case to ASCII letters in Unicode, never in codes.normalize).
NOISE = "0123456789X xaz-－\u3000\t\n\x1c\x1f\xa0\u2003ｘ０９Ｘ－ß\ufb00İı中Ｏ.,/"


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    body = (draw(st.sampled_from(PAIRS)) + draw(st.sampled_from(sorted(_USCC_PROVINCES)))
            + draw(st.text("0123456789", min_size=4, max_size=4))
            + draw(st.text(_USCC_ALPHABET, min_size=9, max_size=9)))
    return body + codes.uscc_check_char(body)


@st.composite
def valid_resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1900, 1, 1), date.today()))
    body = draw(st.sampled_from(REGIONS)) + born.strftime("%Y%m%d") + draw(st.text("0123456789", min_size=3,
                                                                                     max_size=3))
    return body + codes.resident_id_check_char(body)


@st.composite
def legacy_resident_ids(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1900, 1, 1), min(date.today(), date(1999, 12, 31))))
    return draw(st.sampled_from(REGIONS)) + born.strftime("%y%m%d") + draw(st.text("0123456789", min_size=3,
                                                                                     max_size=3))


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    code = draw(base)
    i = draw(st.integers(0, len(code) - 1))
    how = draw(st.sampled_from(["replace", "swap", "drop", "insert", "case", "noise"]))
    if how == "replace":
        return code[:i] + draw(st.sampled_from(_USCC_ALPHABET + "IOSVZ" + NOISE)) + code[i + 1:]
    if how == "swap" and i < len(code) - 1:
        return code[:i] + code[i + 1] + code[i] + code[i + 2:]
    if how == "drop":
        return code[:i] + code[i + 1:]
    if how == "insert":
        return code[:i] + draw(st.sampled_from(NOISE)) + code[i:]
    if how == "case":
        return code.lower()
    # Formatting noise that normalisation should see through.
    return "".join(FULL_WIDTH.get(c, c) if draw(st.booleans()) else c for c in code) + draw(st.sampled_from(
        ["", " ", "\u3000", "-", "\t"]))


junk = st.text(NOISE, max_size=22) | st.text(max_size=20)
uscc_inputs = st.lists(valid_usccs() | mutated(valid_usccs()) | junk | st.none(), min_size=1, max_size=40)
ric_inputs = st.lists(
    valid_resident_ids() | legacy_resident_ids() | mutated(valid_resident_ids()) | mutated(legacy_resident_ids())
    | junk | st.none(), min_size=1, max_size=40)


def scalar_normalize(value: str | None) -> str | None:
    return None if value is None else codes.normalize(value)


@SETTINGS
@given(st.lists(junk | valid_usccs() | mutated(valid_usccs()) | st.none(), max_size=30))
def test_normalize_agrees(values: list[str | None]) -> None:
    got = vc.normalize(pl.Series(values, dtype=pl.String)).to_list()
    assert got == [scalar_normalize(v) for v in values]


@SETTINGS
@given(uscc_inputs)
def test_uscc_agrees(values: list[str | None]) -> None:
    got = vc.is_valid_uscc(pl.Series(values, dtype=pl.String)).to_list()
    assert got == [codes.is_valid_uscc(v) for v in values]


@SETTINGS
@given(ric_inputs)
def test_resident_id_agrees(values: list[str | None]) -> None:
    series = pl.Series(values, dtype=pl.String)
    assert vc.is_valid_resident_id(series).to_list() == [codes.is_valid_resident_id(v) for v in values]
    numbers, ok = vc.resident_id(vc.normalize(series))
    for value, number, fine in zip(values, numbers.to_list(), ok.to_list(), strict=True):
        if value is None:
            assert fine is None and number is None
        elif fine:
            assert number == codes.validate_resident_id(value)
        else:
            assert number is None


@SETTINGS
@given(st.lists(valid_usccs() | mutated(valid_usccs()) | st.text("0123456789ABCDEFGHJKLMNPQRTUWXYabcxyzIOSV",
                                                                   max_size=19), min_size=1, max_size=40))
def test_uscc_ok_on_plain_ascii_in_either_case(values: list[str]) -> None:
    """validation runs uscc_ok on raw plain ASCII (any case) before normalising; it must agree too."""
    plain = [v for v in values if v.isascii() and v.isalnum()] or ["0"]
    got = pl.select(vc.uscc_ok(pl.lit(pl.Series(plain, dtype=pl.String)))).to_series().to_list()
    assert got == [codes.is_valid_uscc(v) for v in plain]


@settings(max_examples=50, deadline=None)
@given(valid_usccs(), valid_resident_ids(), legacy_resident_ids())
def test_generated_codes_are_valid(uscc: str, ric: str, legacy: str) -> None:
    """Guard against strategies that silently generate only invalid codes."""
    assert codes.is_valid_uscc(uscc) and codes.is_valid_resident_id(ric) and codes.is_valid_resident_id(legacy)


@pytest.mark.parametrize(("value", "valid"), [
    ("91350211MA31X5KK9B", None),  # filled in below from codes
    ("９１３５０２１１ＭＡ３１Ｘ５ＫＫ９Ｂ", None),
    (" 91350211-ma31x5kk9b\u3000", None),
    ("91350211MA31X5KK9", False),
    ("00000000000000000X", False),
    ("N2350211MA31X5KK9B", None),
    ("", False),
])
def test_uscc_examples(value: str, valid: bool | None) -> None:
    expected = codes.is_valid_uscc(value) if valid is None else valid
    assert vc.is_valid_uscc(pl.Series([value])).to_list() == [expected]


def test_uscc_ligature_is_not_upper_cased_into_a_valid_code() -> None:
    body = "91350211MA31X5KK9"
    code = body + codes.uscc_check_char(body)
    tricky = code.replace("KK", "\ufb00") if "KK" in code else code[:-2] + "\ufb00"
    assert vc.is_valid_uscc(pl.Series([tricky])).to_list() == [codes.is_valid_uscc(tricky)] == [False]


def test_resident_id_birth_date_limits() -> None:
    today = date.today()
    region = REGIONS[0]
    bodies = [region + d.strftime("%Y%m%d") + "123" for d in (date(1899, 12, 31), date(1900, 1, 1), today,
                                                              today + timedelta(days=1))]
    numbers = [b + codes.resident_id_check_char(b) for b in bodies]
    got = vc.is_valid_resident_id(pl.Series(numbers)).to_list()
    assert got == [codes.is_valid_resident_id(n) for n in numbers] == [False, True, True, False]


def test_resident_id_converts_legacy_numbers() -> None:
    number, ok = vc.resident_id(pl.Series(["350203800101123", "35020319800101123X"]))
    assert ok.to_list() == [True, codes.is_valid_resident_id("35020319800101123X")]
    assert number[0] == codes.convert_legacy_resident_id("350203800101123")


@SETTINGS
@given(st.lists(st.sampled_from(REGIONS) | st.text("0123456789", min_size=6, max_size=6) | junk, max_size=30))
def test_region_agrees(values: list[str]) -> None:
    got = pl.select(vc.region_ok(pl.lit(pl.Series(values, dtype=pl.String)))).to_series().to_list()
    assert got == [len(v) == 6 and v.isascii() and v.isdigit() and codes.is_known_region(v) for v in values]
