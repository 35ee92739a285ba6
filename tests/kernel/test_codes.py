"""Tests for xinyong.codes: USCC, 公民身份号码, LEI and identity document numbers."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.iso7064 import mod_97_10

from xinyong.codes import (
    CodeError,
    DocumentType,
    convert_legacy_resident_id,
    is_valid_resident_id,
    is_valid_uscc,
    lei_check_digits,
    normalize,
    parse_resident_id,
    parse_uscc,
    resident_id_check_char,
    uscc_check_char,
    validate_document,
    validate_lei,
    validate_resident_id,
    validate_uscc,
)
from xinyong.errors import InvalidInput

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RIC_ALPHABET = "0123456789X"
LEI_ALPHABET = string.digits + string.ascii_uppercase
# GB 32100-2015 附录A with 第1号/第2号修改单 (A 中央军委改革和编制办公室, N 农业).
USCC_PAIRS = {
    "11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49",
    "51", "52", "53", "59", "61", "62", "69", "71", "72", "79", "81", "89", "91", "92", "93",
    "A1", "A9", "N1", "N2", "N3", "N9", "Y1",
}
PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "10", "00"]
CHECK_LABELS = {"length": "长度", "character": "字符", "checksum": "校验位",
                "date": "出生日期", "region": "行政区划", "format": "格式"}
PROPERTY = settings(max_examples=200, deadline=None)


def fails(validate, code: str, check: str | None = None) -> CodeError:
    """Assert validate(code) raises CodeError (with the given check) and return it."""
    with pytest.raises(CodeError) as caught:
        validate(code)
    if check is not None:
        assert caught.value.check == check, caught.value.message
    return caught.value


def passes(validate, code: str) -> bool:
    """Tell whether validate accepts code unchanged."""
    try:
        return validate(code) == code
    except CodeError:
        return False


def substitutions(code: str, alphabet: str):
    """Yield (position, replacement, changed code) for every single-character change."""
    for i, old in enumerate(code):
        for new in alphabet:
            if new != old:
                yield i, new, code[:i] + new + code[i + 1:]


def transpositions(code: str):
    """Yield (position, changed code) for every swap of two adjacent different chars."""
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            yield i, code[:i] + code[i + 1] + code[i] + code[i + 2:]


def loc_codes() -> list[str]:
    """Every six-digit code that python-stdnum's cn/loc knows, in any year."""
    return sorted(p[1] + c[1] for p in numdb.get("cn/loc").prefixes for c in p[4] if "county" in c[3])


# --- strategies ------------------------------------------------------------------------

@st.composite
def usccs(draw) -> str:
    """Valid USCC; the check char comes from stdnum, independent of the code under test."""
    body = (draw(st.sampled_from(sorted(USCC_PAIRS))) + draw(st.sampled_from(PROVINCES))
            + draw(st.text("0123456789", min_size=4, max_size=4))
            + draw(st.text(USCC_ALPHABET, min_size=9, max_size=9)))
    return body + stdnum_uscc.calc_check_digit(body)


def _ric_like(region: str, born: date, order: str) -> str:
    body = region + born.strftime("%Y%m%d") + order
    return body + stdnum_ric.calc_check_digit(body + "0")


orders = st.text("0123456789", min_size=3, max_size=3)
births = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
resident_ids = st.builds(_ric_like, st.sampled_from(loc_codes()), births, orders)
hmt_permits = st.builds(_ric_like, st.sampled_from(["810000", "820000", "830000"]), births, orders)


@st.composite
def leis(draw) -> str:
    """Valid LEI with check digits from stdnum's MOD 97-10."""
    body = draw(st.text(LEI_ALPHABET, min_size=18, max_size=18))
    return body + mod_97_10.calc_check_digits(body)


# --- the error type and normalisation -----------------------------------------------------

def test_code_error_is_an_invalid_input_with_its_check():
    error = fails(validate_uscc, "123")
    assert isinstance(error, InvalidInput)
    assert (error.status, error.code, error.check) == (422, "invalid_code", "length")
    assert error.to_dict() == {"error": "invalid_code", "detail": error.message}
    with pytest.raises(ValueError):
        CodeError("x", "spelling")


def test_normalize_folds_full_width_spaces_hyphens_and_case():
    assert normalize(" ９１３５－０６００ ｍａ31xhp7xj\t") == "91350600MA31XHP7XJ"
    assert normalize("11010119800101007ｘ") == "11010119800101007X"
    assert normalize("9135 0600-MA31 XHP7XJ") == "91350600MA31XHP7XJ"
    # Only ASCII letters are upper-cased: "ß".upper() is "SS", which would forge a valid passport.
    assert normalize("ß1234") == "ß1234"
    fails(lambda n: validate_document("护照", n), "ß1234", "character")


def test_full_width_input_is_accepted_everywhere():
    assert validate_uscc("９１３５０６００ＭＡ３１ＸＨＰ７ＸＪ") == "91350600MA31XHP7XJ"
    assert validate_resident_id("１１０１０１１９８００１０１００７ｘ") == "11010119800101007X"
    assert validate_lei("２１３８００ｋｕｄ８ｌａｊｗｓｑ９ｄ１５") == "213800KUD8LAJWSQ9D15"


# --- 统一社会信用代码 -----------------------------------------------------------------------

KNOWN_USCC = [
    "91110000600037341L",  # python-stdnum's doctest
    "11100000000013127D", "12350600488800011Q", "52350600MJ00000000", "91350600MA31XHP7XJ",
    "92350603MA2Y12345B", "93350681MA8T00001A", "N2350681MA8RL5N2X2", "Y1110000MA0012345N",
    "A1100000MA6TTQ8H5R",
]


@pytest.mark.parametrize("code", KNOWN_USCC)
def test_known_uscc_are_valid(code):
    assert validate_uscc(code) == code and is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]


def test_check_char_by_hand():
    body = "N2350681MA8RL5N2X"
    values = [USCC_ALPHABET.index(c) for c in body]
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(v * w for v, w in zip(values, weights))
    assert uscc_check_char(body) == USCC_ALPHABET[(31 - total % 31) % 31] == "2"


@pytest.mark.parametrize("code", ["N2350681MA8RL5N2X2", "Y1110000MA0012345N", "A1100000MA6TTQ8H5R"])
def test_stdnum_wrongly_rejects_letter_prefixes_that_we_accept(code):
    assert not stdnum_uscc.is_valid(code)
    assert validate_uscc(code) == code


def test_authority_and_type_table_is_exactly_gb_32100():
    good_tail = "350600MA31XHP7X"
    accepted = {a + t for a in USCC_ALPHABET for t in USCC_ALPHABET
                if is_valid_uscc(a + t + good_tail + uscc_check_char(a + t + good_tail))}
    assert accepted == USCC_PAIRS


def test_parse_uscc():
    info = parse_uscc("91350600MA31XHP7XJ")
    assert (info.authority, info.org_type, info.region_code) == ("工商", "企业", "350600")
    assert (info.region_name, info.org_code, info.is_agency) == ("福建省漳州市", "MA31XHP7X", False)
    agency = parse_uscc("11100000000013127D")
    assert (agency.authority, agency.org_type, agency.is_agency) == ("机构编制", "机关", True)
    assert agency.region_name is None
    farm = parse_uscc("N2350681MA8RL5N2X2")
    assert (farm.authority, farm.org_type) == ("农业", "村级集体经济组织")


@pytest.mark.parametrize(("code", "check"), [
    ("", "length"), ("91350600MA31XHP7X", "length"), ("91350600MA31XHP7XJ1", "length"),
    ("91350600MA31XHP7X?", "character"), ("91350600MA31XHP7XI", "character"),
    ("O1350600MA31XHP7XJ", "character"), ("91350600MZ31XHP7XJ", "character"),
    ("913506００MA31XHP7XS", "character"), ("91350600MA31VHP7XJ", "character"),
    ("B1350600MA31XHP7XJ", "format"), ("94350600MA31XHP7XJ", "format"),
    ("Y2350600MA31XHP7XJ", "format"), ("N4350600MA31XHP7XJ", "format"),
    ("91A50600MA31XHP7XJ", "region"), ("91990600MA31XHP7XJ", "region"),
    ("91350600MA31XHP7XK", "checksum"), ("91350600MA31XHP7X0", "checksum"),
])
def test_bad_uscc(code, check):
    fails(validate_uscc, code, check)
    assert not is_valid_uscc(code)


def test_uscc_checks_run_in_order_and_messages_say_what_failed():
    # Bad type and bad check char: the type table is reported, not the checksum.
    assert fails(validate_uscc, "94350600MA31XHP7X0").check == "format"
    assert fails(validate_uscc, "91990600MA31XHP7X0").check == "region"
    error = fails(validate_uscc, "91350600MA31XHP7XI")
    assert "第18位" in error.message and "'I'" in error.message
    assert "应为J" in fails(validate_uscc, "91350600MA31XHP7XK").message
    assert not is_valid_uscc(None)


@PROPERTY
@given(usccs())
def test_generated_uscc_pass_and_every_single_change_or_swap_fails(code):
    assert validate_uscc(code) == code
    assert stdnum_uscc.is_valid(code) or not code[:8].isdigit()
    for _, _, changed in substitutions(code, USCC_ALPHABET):
        assert not is_valid_uscc(changed), changed
    for _, changed in transpositions(code):
        assert not is_valid_uscc(changed), changed


# --- 公民身份号码 --------------------------------------------------------------------------

def test_known_resident_ids():
    assert validate_resident_id("360426199101010071") == "360426199101010071"  # stdnum doctest
    assert validate_resident_id("11010119800101007x") == "11010119800101007X"
    assert resident_id_check_char("36042619910101007") == "1"
    info = parse_resident_id("360426199101010071")
    assert (info.birth_on, info.sex, info.region_code) == (date(1991, 1, 1), "男", "360426")
    assert info.region_name == "江西省九江市德安县"
    # 市辖区 is a bookkeeping level, not part of the place name.
    assert parse_resident_id("11010119800101007X").region_name == "北京市东城区"
    body = "11010119800101002"
    assert parse_resident_id(body + resident_id_check_char(body)).sex == "女"


def test_region_name_follows_the_birth_year():
    old = "130602198501011236"
    assert validate_resident_id(old) == old
    assert parse_resident_id(old).region_name == "河北省保定市新市区"
    new = "130602" + "20160101001"
    new += resident_id_check_char(new)
    assert parse_resident_id(new).region_name == "河北省保定市竞秀区"


def test_region_codes_count_in_any_year_unlike_stdnum():
    # 110112 (通州区) dates from 1997; people born earlier there got numbers under it in 1999,
    # which stdnum refuses because it compares the code's years with the birth year.
    body = "110112" + "19800101001"
    number = body + resident_id_check_char(body)
    assert validate_resident_id(number) == number
    assert not stdnum_ric.is_valid(number)
    assert parse_resident_id(number).region_name == "北京市通州区"


def test_legacy_fifteen_digit_numbers_convert():
    assert convert_legacy_resident_id("360426910101007") == "360426199101010071"
    assert validate_resident_id("360426910101007") == "360426199101010071"
    fails(convert_legacy_resident_id, "36042691023000A", "character")
    fails(convert_legacy_resident_id, "360426910230007", "date")
    fails(validate_resident_id, "999999910101007", "region")


@PROPERTY
@given(st.sampled_from(loc_codes()), st.dates(date(1900, 1, 1), date(1999, 12, 31)), orders)
def test_legacy_round_trip(region, born, order):
    old = region + born.strftime("%y%m%d") + order
    new = convert_legacy_resident_id(old)
    assert new[:6] + new[8:17] == old
    assert validate_resident_id(new) == new == validate_resident_id(old)
    assert parse_resident_id(old).birth_on == born


@pytest.mark.parametrize(("number", "check", "words"), [
    ("", "length", "为空"),
    ("36042619910101007", "length", "长度应为18位（或15位旧号码），实为17位"),
    ("3604261991010100A1", "character", "第17位字符'A'"),
    ("36042619910101007Y", "character", "第18位"),
    ("360426199902300071", "date", "出生日期19990230无效"),
    ("360426189912310071", "date", "早于1900年"),
    ("360426199101010075", "checksum", "校验位错误：应为1，实为5"),
    ("999999199101010071", "region", "999999"),
    ("110199199101010071", "region", "110199"),
])
def test_bad_resident_ids(number, check, words):
    assert words in fails(validate_resident_id, number, check).message
    assert not is_valid_resident_id(number)


def test_future_birth_dates_are_refused_relative_to_today():
    number = "110101" + "20300101001"
    number += resident_id_check_char(number)
    assert validate_resident_id(number, today=date(2030, 1, 1)) == number
    error = fails(lambda n: validate_resident_id(n, today=date(2029, 12, 31)), number, "date")
    assert "晚于当前日期" in error.message


@PROPERTY
@given(resident_ids)
def test_generated_resident_ids_pass_and_every_single_change_or_swap_fails(number):
    assert validate_resident_id(number) == number
    assert resident_id_check_char(number[:17]) == number[17]
    for _, _, changed in substitutions(number, RIC_ALPHABET):
        assert not is_valid_resident_id(changed), changed
    for _, changed in transpositions(number):
        assert not is_valid_resident_id(changed), changed


# --- LEI -----------------------------------------------------------------------------------

def test_known_leis():
    assert validate_lei("213800KUD8LAJWSQ9D15") == "213800KUD8LAJWSQ9D15"  # stdnum doctest
    assert lei_check_digits("213800KUD8LAJWSQ9D") == "15"
    fails(validate_lei, "213800KUD8LXJWSQ9D15", "checksum")
    fails(validate_lei, "213800KUD8LAJWSQ9D1", "length")
    fails(validate_lei, "213800KUD8LAJWSQ9D1A", "format")
    fails(validate_lei, "213800KUD8LAJWSQ9_15", "character")


@pytest.mark.parametrize(("valid", "alias"), [
    ("5493001KJTIIGC8Y5802", "5493001KJTIIGC8Y5899"),
    ("5493001KJTIIGC8Y0Y97", "5493001KJTIIGC8Y0Y00"),
    ("5493001KJTIIGC8Y2698", "5493001KJTIIGC8Y2601"),
])
def test_lei_check_digit_aliases_are_refused(valid, alias):
    assert validate_lei(valid) == valid
    assert mod_97_10.is_valid(alias)  # the bare "mod 97 == 1" rule would let it through
    fails(validate_lei, alias, "checksum")


def _expanded_mod97(prefix: str) -> int:
    return int("".join(str(int(c, 36)) for c in prefix) or "0") % 97


def lei_substitution_undetectable(code: str, i: int, new: str) -> bool:
    """Exactly when MOD 97-10 misses a single change inside the 18-char body.

    Swapping digit d for letter value v (or back) at position i lengthens (shortens) the
    expansion by one digit, shifting the prefix p: the number changes by 10^t·(90p + v − d),
    so the change is invisible iff v − d ≡ 7p (mod 97), p being the expanded prefix mod 97.
    Letter↔letter and digit↔digit changes move the number by |Δ|·10^k with |Δ| < 97: always seen.
    """
    old = code[i]
    if i >= 18 or old.isdigit() == new.isdigit():
        return False
    digit, letter = (old, new) if old.isdigit() else (new, old)
    return (int(letter, 36) - int(digit)) % 97 == 7 * _expanded_mod97(code[:i]) % 97


def lei_swap_undetectable(code: str, i: int) -> bool:
    """Exactly when MOD 97-10 misses swapping positions i and i+1 inside the body.

    "Ld" and "dL" both expand to three digits, 10v + d against 100d + v, a difference of
    9(v − 11d): invisible iff v = 11d, i.e. the pairs B/1, M/2 and X/3.
    Same-kind swaps change the number by 9(a − b)·10^k or 99(a − b)·10^k: always seen.
    """
    return i + 1 < 18 and {code[i], code[i + 1]} in ({"B", "1"}, {"M", "2"}, {"X", "3"})


def test_lei_blind_spots_are_real():
    body = "5493001KJTIIGC8Y" + "B1"
    code = body + lei_check_digits(body)
    swapped = code[:16] + "1B" + code[18:]
    assert lei_swap_undetectable(code, 16) and validate_lei(swapped) == swapped
    # Position 0 has an empty prefix (p = 0), so v − d ≡ 0 (mod 97) is impossible there.
    assert not any(lei_substitution_undetectable(code, 0, c) for c in LEI_ALPHABET)


@PROPERTY
@given(leis())
def test_generated_leis_pass_and_every_change_fails_except_the_proven_blind_spots(code):
    assert validate_lei(code) == code
    assert lei_check_digits(code[:18]) == code[18:]
    # The blind spots are asserted to pass, so the characterisation is exact, not a loophole.
    for i, new, changed in substitutions(code, LEI_ALPHABET):
        assert passes(validate_lei, changed) == lei_substitution_undetectable(code, i, new), changed
    for i, changed in transpositions(code):
        assert passes(validate_lei, changed) == lei_swap_undetectable(code, i), changed


# --- other identity documents ----------------------------------------------------------------

@pytest.mark.parametrize(("doc_type", "number", "expected"), [
    (DocumentType.RESIDENT_ID, "360426910101007", "360426199101010071"),
    ("居民身份证", "360426199101010071", "360426199101010071"),
    ("港澳居民来往内地通行证", "h12345678", "H12345678"), ("港澳居民来往内地通行证", "M1234567890", "M1234567890"),
    ("台湾居民来往大陆通行证", "12345678", "12345678"), ("台湾居民来往大陆通行证", "1234567890", "1234567890"),
    ("台湾居民来往大陆通行证", "1234567890(B)", "1234567890B"),
    ("港澳台居民居住证", "810000199001010000", "810000199001010000"),
    ("外国人永久居留身份证", "933116198503030011", "933116198503030011"),
    ("外国人永久居留身份证", "USA330119850303", "USA330119850303"),
    ("护照", "E12345678", "E12345678"), ("护照", "EA1234567", "EA1234567"),
    ("护照", "G12345678", "G12345678"), ("护照", "DE1234567", "DE1234567"),
    ("护照", "p1234567", "P1234567"), ("护照", "５６７８９ＡＢ", "56789AB"),
    ("PASSPORT", "X1234", "X1234"),  # five chars with a digit: a plausible foreign passport
])
def test_valid_documents(doc_type, number, expected):
    assert validate_document(doc_type, number) == expected


@pytest.mark.parametrize(("doc_type", "number", "check"), [
    ("居民身份证", "360426199101010075", "checksum"),
    ("港澳居民来往内地通行证", "", "length"), ("港澳居民来往内地通行证", "H1234567", "length"),
    ("港澳居民来往内地通行证", "K12345678", "format"), ("港澳居民来往内地通行证", "H1234567.", "character"),
    ("台湾居民来往大陆通行证", "1234567", "length"), ("台湾居民来往大陆通行证", "A2345678", "format"),
    ("港澳台居民居住证", "110101198001010071", "region"), ("港澳台居民居住证", "810000199002300000", "date"),
    ("港澳台居民居住证", "810000199001010001", "checksum"), ("港澳台居民居住证", "81000019900101000", "length"),
    ("外国人永久居留身份证", "833116198503030011", "format"), ("外国人永久居留身份证", "933116198513030011", "date"),
    ("外国人永久居留身份证", "933116198503030012", "checksum"),
    ("外国人永久居留身份证", "US3330119850303", "format"), ("外国人永久居留身份证", "93311619850303001", "length"),
    ("护照", "", "length"),
    ("护照", "E12 34:5678", "character"), ("护照", "护照12345", "character"),
    ("护照", "ABCDEFG", "format"), ("护照", "1234", "length"),
    ("护照", "A" * 20 + "1", "length"), ("护照", "E1234.5678", "character"),
    ("驾驶证", "E12345678", "format"),
])
def test_bad_documents(doc_type, number, check):
    fails(lambda n: validate_document(doc_type, n), number, check)


@PROPERTY
@given(hmt_permits)
def test_hmt_residence_permits_pass_and_every_change_fails(number):
    def ok(n: str) -> bool:
        return passes(lambda m: validate_document(DocumentType.HMT_RESIDENCE_PERMIT, m), n)

    assert ok(number)
    assert not any(ok(changed) for _, _, changed in substitutions(number, RIC_ALPHABET))
    assert not any(ok(changed) for _, changed in transpositions(number))


def test_error_messages_name_the_failed_check_in_chinese():
    samples = {
        "length": fails(validate_uscc, "9135"),
        "character": fails(validate_uscc, "91350600MA31XHP7XI"),
        "checksum": fails(validate_resident_id, "360426199101010075"),
        "date": fails(validate_resident_id, "360426199902300071"),
        "region": fails(validate_uscc, "91990600MA31XHP7XJ"),
        "format": fails(validate_uscc, "94350600MA31XHP7XJ"),
    }
    for check, error in samples.items():
        assert error.check == check
        assert CHECK_LABELS[check] in error.message, error.message
