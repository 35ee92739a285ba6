"""Place names in organisation names: a gazetteer of provinces, cities and districts keyed by region-code prefix.

A place is represented by the region-code prefixes it may stand for: 福建 → {"35"}, 漳州市 → {"3506"},
芗城区 → {"350602"}, 中国 → {""}. Two places agree when one prefix extends the other. Names come from
python-stdnum's division table (xinyong.codes), including former names. Short forms (漳州, 福建) are
known for provinces and cities; districts and counties only with their suffix, or right after a city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from xinyong import codes

_SUFFIX = re.compile(r"(省|市|特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|地区|盟)$")
_COUNTY_SUFFIX = re.compile(r"(区|县|市|旗)$")
NATION = "中国"


@dataclass(frozen=True)
class Gazetteer:
    """Full names, short forms and county short forms → region-code prefixes; a display name per prefix."""

    full: dict[str, frozenset[str]]
    short: dict[str, frozenset[str]]
    county_short: dict[str, frozenset[str]]
    names: dict[str, str]
    longest: int


def _key(code: str) -> tuple[str, int]:
    if code[2:] == "0000":
        return code[:2], 0
    if code[4:] == "00":
        return code[:4], 1
    return code, 2


@cache
def gazetteer() -> Gazetteer:
    """Built once from the division table."""
    full: dict[str, dict[str, bool]] = {NATION: {"": True}}
    short: dict[str, dict[str, bool]] = {}
    county_short: dict[str, dict[str, bool]] = {}
    names: dict[str, str] = {"": NATION}
    for code, history in codes._divisions()[1].items():
        key, level = _key(code)
        for _, end, name in history:
            if "辖" in name or "单位" in name or len(name) < 2:
                continue
            current = end is None
            brief = _SUFFIX.sub("", name) if level < 2 else _COUNTY_SUFFIX.sub("", name)
            targets = [full]
            if len(brief) >= 2 and brief != name and "自治" not in brief:
                targets.append(short if level < 2 else county_short)
            for table, text in zip(targets, (name, brief)):
                keys = table.setdefault(text, {})
                keys[key] = keys.get(key, False) or current
            if current or key not in names:
                names[key] = brief if level < 2 and len(brief) >= 2 else name
    for table in (full, short, county_short):
        _add_simplified(table)
    return Gazetteer(_current(full), _current(short), _current(county_short), names, max(map(len, full)))


def _add_simplified(table: dict[str, dict[str, bool]]) -> None:
    """Names also as simplify() leaves them, and as it leaves their OpenCC traditional form (浚县 → 濬縣 → 濬县)."""
    written = list(table)
    s2t = _converters()[0]
    traditional = s2t.convert("\n".join(written)).split("\n")  # type: ignore[attr-defined]
    for variants in (simplify(written), simplify(traditional if len(traditional) == len(written) else written)):
        for old, new in zip(written, variants, strict=True):
            if new != old:
                keys = table.setdefault(new, {})
                for key, now in table[old].items():
                    keys[key] = keys.get(key, False) or now


@cache
def _converters() -> tuple[object, object]:
    import opencc

    return opencc.OpenCC("s2t"), opencc.OpenCC("t2s")


def simplify(texts: list[str]) -> list[str]:
    """Traditional → simplified (OpenCC t2s) for many texts in one call."""
    if not texts:
        return []
    t2s = _converters()[1]
    out = t2s.convert("\n".join(texts)).split("\n")  # type: ignore[attr-defined]
    if len(out) != len(texts):  # a converter that merged lines: one at a time
        out = [t2s.convert(t) for t in texts]  # type: ignore[attr-defined]
    return out


def _current(table: dict[str, dict[str, bool]]) -> dict[str, frozenset[str]]:
    """Per name, the codes it names today, or its former codes when it names none today."""
    return {name: frozenset(k for k, now in keys.items() if now) or frozenset(keys) for name, keys in table.items()}


def lookup(text: str, *, nested: bool = False) -> frozenset[str]:
    """Prefixes a place name may stand for (empty when it is not one); nested also allows 芗城 for 芗城区."""
    g = gazetteer()
    found = g.full.get(text) or g.short.get(text)
    if not found and nested:
        found = g.county_short.get(text)
    return specific(found or frozenset())


def specific(keys: frozenset[str]) -> frozenset[str]:
    """The most specific readings: 吉林 alone is the city (2202) rather than the province (22)."""
    return frozenset(k for k in keys if not any(o != k and o.startswith(k) for o in keys))


def _within(keys: frozenset[str], region: frozenset[str]) -> frozenset[str]:
    return frozenset(k for k in keys if any(k.startswith(r) and len(k) > len(r) for r in region))


def leading(text: str) -> tuple[list[str], list[frozenset[str]], int, str]:
    """(parts, region after each, first short-form part or -1, rest) of a leading place prefix (福建省漳州市…)."""
    g = gazetteer()
    parts: list[str] = []
    regions: list[frozenset[str]] = []
    uncertain = -1
    pos = 0
    while True:
        for size in range(min(g.longest, len(text) - pos - 2), 1, -1):
            token = text[pos:pos + size]
            keys, brief = g.full.get(token), False
            if not keys:
                keys, brief = g.short.get(token) or (g.county_short.get(token) if parts else None), True
            if not keys:
                continue
            if parts:
                keys = _within(keys, regions[-1])
                if not keys:
                    continue
            break
        else:
            return parts, [specific(r) for r in regions], uncertain, text[pos:]
        if brief and uncertain < 0:
            uncertain = len(parts)
        parts.append(token)
        regions.append(keys)
        pos += size


def compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether some reading of a and some reading of b agree (one lies within the other)."""
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


def combine(region: frozenset[str], keys: frozenset[str]) -> frozenset[str]:
    """The more specific of two place evidences when they agree; the first when they conflict or keys is empty."""
    if not keys:
        return region
    if not region:
        return keys
    inner = _within(keys, region)
    return inner if inner else region


def mismatch_level(a: frozenset[str], b: frozenset[str]) -> int | None:
    """None when the places agree, else the prefix length where the closest readings differ (2 省, 4 市, 6 区县)."""
    if compatible(a, b):
        return None
    level = 2
    for x in a:
        for y in b:
            for size in (2, 4, 6):
                if x[:size] != y[:size]:
                    level = max(level, size)
                    break
    return level


def display(keys: frozenset[str], level: int | None = None) -> str:
    """A readable name for a place evidence, at a given prefix length when asked."""
    names = gazetteer().names
    shown = []
    for key in sorted(keys, key=lambda k: (-len(k), k)):
        code = key[:level] if level else key
        name = names.get(code) or names.get(code[:4]) or names.get(code[:2]) or code
        if name not in shown:
            shown.append(name)
    return "/".join(shown[:3])


def short_label(label: str) -> str:
    """A branch label with a place suffix dropped (漳州市 → 漳州) so 漳州市分公司 equals 漳州分公司."""
    if label in gazetteer().full and len(label) > 2:
        brief = _SUFFIX.sub("", label)
        return brief if len(brief) >= 2 else label
    return label
