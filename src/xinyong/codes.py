"""Identifier codes: 统一社会信用代码, 公民身份号码, LEI and the other identity documents."""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from operator import mul

from stdnum import numdb

from xinyong.errors import InvalidInput

CHECKS = ("length", "character", "checksum", "date", "region", "format")


class CodeError(InvalidInput):
    """A code failed one named check (see CHECKS)."""

    code = "invalid_code"

    def __init__(self, message: str, check: str) -> None:
        if check not in CHECKS:
            raise ValueError(f"unknown check {check!r}")
        super().__init__(message)
        self.check = check


class DocumentType(StrEnum):
    """Identity document types, valued by the Chinese names used in data files."""

    RESIDENT_ID = "居民身份证"
    HK_MACAO_PERMIT = "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "台湾居民来往大陆通行证"
    HMT_RESIDENCE_PERMIT = "港澳台居民居住证"
    FOREIGN_PERMANENT_RESIDENCE = "外国人永久居留身份证"
    PASSPORT = "护照"


@dataclass(frozen=True)
class UsccInfo:
    """The parts of a 统一社会信用代码."""

    code: str
    authority: str
    org_type: str
    region_code: str
    region_name: str | None
    org_code: str
    is_agency: bool


@dataclass(frozen=True)
class ResidentIdInfo:
    """The parts of a 公民身份号码."""

    number: str
    birth_on: date
    sex: str
    region_code: str
    region_name: str | None


# Full-width ASCII (U+FF01..U+FF5E) to half-width, lower to upper case, hyphens dropped.
_NORMALIZE = str.maketrans(
    {cp: chr(cp - 0xFEE0).upper() for cp in range(0xFF01, 0xFF5F)}
    | {cp: chr(cp).upper() for cp in range(ord("a"), ord("z") + 1)}
    | {ord("-"): None, 0xFF0D: None}
)


def normalize(code: str) -> str:
    """Strip whitespace and hyphens, fold full-width to half-width and upper-case."""
    if not isinstance(code, str):
        raise CodeError(f"代码格式错误：应为文本，实为{type(code).__name__}", "format")
    if code.isascii() and code.isalnum():
        return code.upper()
    # Only ASCII letters are upper-cased: str.upper() would turn "ß" into "SS".
    return "".join(code.translate(_NORMALIZE).split())


_DIGITS = frozenset("0123456789")
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _chars(code: str, allowed: frozenset[str], label: str, hint: str = "", last: str = "") -> None:
    """Raise a "character" error naming the first char not allowed (last may also be the final char)."""
    if allowed.issuperset(code[:-1]) and (code[-1:] in allowed or code[-1:] in last):
        return
    for i, c in enumerate(code):
        if c not in allowed and not (i == len(code) - 1 and c in last):
            raise CodeError(f"{label}第{i + 1}位字符'{c}'无效{hint}", "character")


def _length(code: str, label: str, expected: str, allowed: Container[int]) -> None:
    """Raise a "length" error unless len(code) is allowed."""
    if not code:
        raise CodeError(f"{label}为空，长度应为{expected}", "length")
    if len(code) not in allowed:
        raise CodeError(f"{label}长度应为{expected}，实为{len(code)}位", "length")


# --- administrative divisions (python-stdnum's cn/loc) --------------------------------

_NAME_RE = re.compile(r"(?:\[(\d*)-(\d*)\])?([^,]+)")
_Names = tuple[tuple[int | None, int | None, str], ...]


@cache
def _divisions() -> tuple[dict[str, str], dict[str, _Names]]:
    """Load province names and six-digit codes with their (from, to, name) history."""
    provinces: dict[str, str] = {}
    counties: dict[str, _Names] = {}
    for _, prefix, _, props, children in numdb.get("cn/loc").prefixes:
        provinces[prefix] = props.get("province", "")
        for _, rest, _, child, _ in children:
            if "county" in child:
                counties[prefix + rest] = tuple(
                    (int(a) if a else None, int(b) if b else None, name)
                    for a, b, name in _NAME_RE.findall(child["county"])
                )
    return provinces, counties


@cache
def known_regions() -> frozenset[str]:
    """Every six-digit 行政区划代码 in the division table (the address codes a 公民身份号码 may carry)."""
    return frozenset(_divisions()[1])


def is_known_region(code: str) -> bool:
    """Tell whether code is a six-digit 行政区划代码 known to the division table."""
    return code in _divisions()[1]


def _pick(names: _Names | None, year: int | None) -> str | None:
    """Choose the name in use in year, else the latest one."""
    if not names:
        return None
    if year is not None:
        for start, end, name in names:
            if (start is None or start <= year) and (end is None or year <= end):
                return name
    return names[-1][2]


def region_name(code: str, year: int | None = None) -> str | None:
    """Best-effort full name of a 行政区划代码 (as of year when given), None when unknown."""
    provinces, counties = _divisions()
    province = provinces.get(code[:2])
    if not province or len(code) != 6:
        return None
    own = _pick(counties.get(code), year)
    if code[2:] == "0000":
        return own or province
    parts = [province]
    city = _pick(counties.get(code[:4] + "00"), year) if code[4:] != "00" else None
    # 市辖区/县/省直辖县级行政区划 are bookkeeping groups, not part of a place name.
    if city and "辖" not in city and city != "县":
        parts.append(city)
    if own:
        parts.append(own)
    return "".join(parts)


# --- 统一社会信用代码 (GB 32100-2015 and its amendments) ---------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_CHARS = frozenset(_USCC_ALPHABET)
_USCC_HINT = "（只能使用数字和除I、O、Z、S、V外的大写字母）"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_TABLE: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所",
                       "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构",
                   "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}
# GB/T 2260 province codes, plus 10/00 used by bodies registered at national level.
_USCC_PROVINCES = frozenset(
    ["00", "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]
)
_USCC = "统一社会信用代码"


def _uscc_check(body17: str) -> str:
    """Compute the check char of 17 already-validated chars."""
    return _USCC_ALPHABET[-sum(map(mul, map(_USCC_VALUE.__getitem__, body17), _USCC_WEIGHTS)) % 31]


def uscc_check_char(body17: str) -> str:
    """Return the check char (18th) for the first 17 chars of a 统一社会信用代码."""
    body = normalize(body17)
    _length(body, f"{_USCC}本体", "17位", (17,))
    _chars(body, _USCC_CHARS, f"{_USCC}本体", _USCC_HINT)
    return _uscc_check(body)


def validate_uscc(code: str) -> str:
    """Return the normalized 统一社会信用代码 or raise CodeError."""
    n = normalize(code)
    _length(n, _USCC, "18位", (18,))
    _chars(n, _USCC_CHARS, _USCC, _USCC_HINT)
    entry = _USCC_TABLE.get(n[0])
    if entry is None:
        raise CodeError(f"{_USCC}格式错误：登记管理部门代码'{n[0]}'无效", "format")
    if n[1] not in entry[1]:
        raise CodeError(f"{_USCC}格式错误：登记管理部门'{entry[0]}'下无机构类别代码'{n[1]}'", "format")
    if not n[2:8].isdigit() or n[2:4] not in _USCC_PROVINCES:
        raise CodeError(f"{_USCC}登记管理机关行政区划码'{n[2:8]}'无效", "region")
    expected = _uscc_check(n[:17])
    if n[17] != expected:
        raise CodeError(f"{_USCC}校验位错误：应为{expected}，实为{n[17]}", "checksum")
    return n


def parse_uscc(code: str) -> UsccInfo:
    """Validate a 统一社会信用代码 and split it into its parts."""
    n = validate_uscc(code)
    authority, types = _USCC_TABLE[n[0]]
    return UsccInfo(
        code=n, authority=authority, org_type=types[n[1]], region_code=n[2:8],
        region_name=region_name(n[2:8]), org_code=n[8:17], is_agency=n[0] == "1",
    )


def is_valid_uscc(code: object) -> bool:
    """Tell whether code is a valid 统一社会信用代码."""
    try:
        validate_uscc(code)  # type: ignore[arg-type]
    except CodeError:
        return False
    return True


# --- 公民身份号码 (GB 11643-1999) and numbers laid out like it ----------------------------

_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RIC_CHECK = "10X98765432"
_RIC = "公民身份号码"
_PERMIT_REGIONS = ("810000", "820000", "830000")


def _ric_check(body17: str) -> str:
    """ISO 7064 MOD 11-2 check char of 17 digits."""
    return _RIC_CHECK[sum(int(c) * w for c, w in zip(body17, _RIC_WEIGHTS)) % 11]


def _birth_date(yyyymmdd: str, label: str, today: date | None) -> date:
    """Parse a birth date that must be real, from 1900 on and not in the future."""
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        raise CodeError(f"{label}出生日期{yyyymmdd}无效", "date") from None
    if born.year < 1900:
        raise CodeError(f"{label}出生日期{yyyymmdd}无效：早于1900年", "date")
    if born > (today or date.today()):
        raise CodeError(f"{label}出生日期{yyyymmdd}无效：晚于当前日期", "date")
    return born


def _ric_layout(n: str, label: str, today: date | None, region_ok: Callable[[str], bool], why: str) -> str:
    """Check 18 chars laid out as address code, birth date, order and MOD 11-2 check char."""
    _length(n, label, "18位", (18,))
    _chars(n, _DIGITS, label, last="X")
    _birth_date(n[6:14], label, today)
    if not region_ok(n[:6]):
        raise CodeError(f"{label}地址码（行政区划代码）{n[:6]}{why}", "region")
    expected = _ric_check(n[:17])
    if n[17] != expected:
        raise CodeError(f"{label}校验位错误：应为{expected}，实为{n[17]}", "checksum")
    return n


def resident_id_check_char(body17: str) -> str:
    """Return the check char (18th) for the first 17 digits of a 公民身份号码."""
    body = normalize(body17)
    _length(body, f"{_RIC}本体", "17位", (17,))
    _chars(body, _DIGITS, f"{_RIC}本体")
    return _ric_check(body)


def convert_legacy_resident_id(number15: str) -> str:
    """Turn a 15-digit legacy number (yyMMdd, born 19yy) into the 18-digit form."""
    n = normalize(number15)
    _length(n, f"旧{_RIC}", "15位", (15,))
    _chars(n, _DIGITS, f"旧{_RIC}")
    _birth_date("19" + n[6:12], f"旧{_RIC}", None)
    body = n[:6] + "19" + n[6:]
    return body + _ric_check(body)


def validate_resident_id(number: str, *, today: date | None = None) -> str:
    """Return the 18-digit 公民身份号码 (converting 15-digit ones) or raise CodeError."""
    n = normalize(number)
    _length(n, _RIC, "18位（或15位旧号码）", (15, 18))
    if len(n) == 15:
        n = convert_legacy_resident_id(n)
    return _ric_layout(n, _RIC, today, _divisions()[1].__contains__, "不存在")


def parse_resident_id(number: str) -> ResidentIdInfo:
    """Validate a 公民身份号码 and split it into its parts."""
    n = validate_resident_id(number)
    born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    return ResidentIdInfo(
        number=n, birth_on=born, sex="男" if int(n[16]) % 2 else "女",
        region_code=n[:6], region_name=region_name(n[:6], born.year),
    )


def is_valid_resident_id(number: object) -> bool:
    """Tell whether number is a valid 公民身份号码 (18 or legacy 15 digits)."""
    try:
        validate_resident_id(number)  # type: ignore[arg-type]
    except CodeError:
        return False
    return True


def _foreign_permanent_residence(n: str) -> str:
    """外国人永久居留身份证: 2023 version 9, province, nationality, birth date, order, MOD 11-2; old 15 chars."""
    label = "外国人永久居留身份证号码"
    _length(n, label, "18位（2023版）或15位（旧版）", (15, 18))
    if len(n) == 15:
        _chars(n, _ALNUM, label)
        if not re.fullmatch(r"[A-Z]{3}\d{12}", n):
            raise CodeError(f"{label}格式错误:15位旧版应为3位字母加12位数字", "format")
        return n
    if n[0] != "9":
        raise CodeError(f"{label}格式错误:18位新版应以9开头", "format")
    # Chars 2-6 (province, nationality) are not checked: their code lists are not published with the layout.
    return _ric_layout(n, label, None, lambda _: True, "")


_PERMIT_WHY = "无效：应为810000（香港）、820000（澳门）或830000（台湾）"
# Documents known only by shape: label, what is expected, allowed lengths, pattern.
_SHAPES: dict[DocumentType, tuple[str, str, range, re.Pattern[str]]] = {
    DocumentType.HK_MACAO_PERMIT: (
        "港澳居民来往内地通行证号码", "H或M加8位数字（旧版加10位数字）", range(9, 12, 2), re.compile(r"[HM](\d{8}|\d{10})")),
    # Old Taiwan permits carry 10 digits and may end with an issue letter, printed as "(B)".
    DocumentType.TAIWAN_PERMIT: (
        "台湾居民来往大陆通行证号码", "8位数字（旧版10位数字，可加1位字母）", range(8, 12), re.compile(r"\d{8}|\d{10}[A-Z]?")),
    # Chinese passports (E, G, D, S, P series) all fit this shape, so one permissive rule
    # covers them and foreign passports alike.
    DocumentType.PASSPORT: (
        "护照号码", "5至20位数字或字母（至少含1位数字）", range(5, 21), re.compile(r"[A-Z0-9]*\d[A-Z0-9]*")),
}


def validate_document(doc_type: DocumentType | str, number: str) -> str:
    """Validate an identity document number by type and return it normalized."""
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        kind = DocumentType.__members__.get(str(doc_type))  # type: ignore[assignment]
        if kind is None:
            raise CodeError(f"证件类型格式错误：未知证件类型'{doc_type}'", "format") from None
    n = normalize(number)
    if kind is DocumentType.RESIDENT_ID:
        return validate_resident_id(n)
    if kind is DocumentType.HMT_RESIDENCE_PERMIT:
        return _ric_layout(n, "港澳台居民居住证号码", None, _PERMIT_REGIONS.__contains__, _PERMIT_WHY)
    if kind is DocumentType.FOREIGN_PERMANENT_RESIDENCE:
        return _foreign_permanent_residence(n)
    if kind is DocumentType.TAIWAN_PERMIT and re.fullmatch(r"\d{10}\([A-Z]\)", n):
        n = n[:10] + n[11]
    label, expected, lengths, pattern = _SHAPES[kind]
    _chars(n, _ALNUM, label, "（只能使用数字和大写字母）")
    _length(n, label, expected, lengths)
    if not pattern.fullmatch(n):
        raise CodeError(f"{label}格式错误：应为{expected}", "format")
    return n


# --- LEI (ISO 17442, ISO 7064 MOD 97-10) ----------------------------------------------

_LEI_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})
_LEI = "LEI"


def _lei_check(body18: str) -> str:
    """Check digits for 18 already-validated chars."""
    return f"{98 - int(body18.translate(_LEI_DIGITS) + '00') % 97:02d}"


def lei_check_digits(body18: str) -> str:
    """Return the two check digits for the first 18 chars of an LEI."""
    body = normalize(body18)
    _length(body, f"{_LEI}本体", "18位", (18,))
    _chars(body, _ALNUM, f"{_LEI}本体")
    return _lei_check(body)


def validate_lei(code: str) -> str:
    """Return the normalized LEI or raise CodeError."""
    n = normalize(code)
    _length(n, _LEI, "20位", (20,))
    _chars(n, _ALNUM, _LEI, "（只能使用数字和大写字母）")
    if not n[18:].isdigit():
        raise CodeError(f"{_LEI}格式错误：第19、20位校验码应为数字，实为{n[18:]}", "format")
    # Requiring equality (not just "mod 97 == 1") also refuses the aliases 00, 01 and 99.
    expected = _lei_check(n[:18])
    if n[18:] != expected:
        raise CodeError(f"{_LEI}校验位错误：应为{expected}，实为{n[18:]}", "checksum")
    return n
