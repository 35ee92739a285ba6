"""Labelled pairs of Chinese company names for measuring name matching (precision and recall).

Run on demand:  .venv/bin/python bench/name_pairs.py [--pairs 12000] [--seed 7] [-o pairs.csv]

Names are built as real ones are registered: 行政区划 + 字号 + 行业 + 组织形式, with places drawn from
the national division table (province, city, district; written in full, short, or in brackets), brands
from common 字号 characters (some with Latin letters or digits, some that are also place names: 中山, 金华),
and common industry words.
Positives (label 1) are one or two variants of the same name: traditional characters, the place prefix
added or removed, the city moved into brackets (某某（漳州）有限公司), 有限公司/有限责任公司, full-width
letters, digits and brackets, spaces. Negatives (label 0): one brand character changed, the same brand in
another city (or district), another industry word, each possibly dressed in a positive variant too.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

BRAND_CHARS = ("华兴泰鑫源恒达嘉禾盛世宏图金鼎万通利民顺发新港瑞丰天成永安富康鸿运诚信中和广德同仁博远润泽东方海峡九龙"
               "晨光美佳宝丽旺昌隆汇联创百川众合祥福满德荣益汇骏腾飞龙凤麒麟星辰月明阳春秋冬夏松柏竹梅兰菊海蓝天翔宇"
               "银河长江黄河泰山峰岳鹏程锦绣辉煌卓越精诚信义仁和睿智聪慧雅轩阁尚品优正道弘毅博雅致远亿豪威力速捷")
PLACE_LIKE_BRANDS = ("中山", "金华", "东方", "长城", "泰山", "黄山", "大同", "安康", "永安", "九龙", "龙江", "广德",
                     "同仁", "吉安", "常德", "华容", "新华", "长安", "太平", "海东")  # also names of places
LATIN_BRANDS = ("TCL", "ABC", "3D", "5G", "e家", "U品", "K11", "JD", "i美", "AI")
INDUSTRIES = ("食品", "贸易", "商贸", "科技", "信息科技", "网络科技", "电子科技", "生物科技", "环保科技", "建筑工程",
              "建设工程", "装饰工程", "物流", "供应链管理", "医药", "药业", "医疗器械", "健康管理", "餐饮管理", "酒店管理",
              "机械制造", "机械设备", "房地产开发", "置业", "物业管理", "电子商务", "旅行社", "化工", "人力资源",
              "投资管理", "资产管理", "实业", "文化传媒", "广告", "教育咨询", "农业开发", "水产", "纺织", "服饰",
              "家具", "建材", "五金", "新材料", "新能源", "光电", "印刷", "包装", "陶瓷", "茶业", "进出口")
FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司")
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {"(": "（", ")": "）"}


@dataclass(frozen=True)
class Pair:
    """Two names, whether they are the same subject, and which variant made them."""

    a: str
    b: str
    label: int
    kind: str


@dataclass(frozen=True)
class Name:
    """A name's parts; `style` says how the place is written."""

    province: str
    city: str
    district: str
    brand: str
    industry: str
    form: str
    style: str  # city / province_city / short / short_province_city / city_district / district / bracket / none

    def text(self) -> str:
        """The name as written."""
        short = _short(self.city)
        province = self.province[:3] if self.province.startswith(("黑龙江", "内蒙古")) else self.province[:2]
        place = {"city": self.city, "province_city": self.province + self.city, "short": short,
                 "short_province_city": province + short, "city_district": self.city + self.district,
                 "district": self.district, "bracket": "", "none": ""}[self.style]
        if self.style == "bracket":
            return f"{self.brand}{self.industry}（{short}）{self.form}"
        return f"{place}{self.brand}{self.industry}{self.form}"


def _short(city: str) -> str:
    return city[:-1] if city.endswith("市") and len(city) > 2 else city


@cache
def cities() -> list[tuple[str, str, list[str]]]:
    """(province, city, districts) of today's prefecture-level cities, from the division table."""
    from xinyong import codes

    provinces, counties = codes._divisions()
    out = []
    for code, history in counties.items():
        _, end, name = history[-1]
        if code[4:] != "00" or code[2:] == "0000" or end is not None or not name.endswith("市") or "辖" in name:
            continue
        districts = [h[-1][2] for c, h in counties.items() if c[:4] == code[:4] and c != code and h[-1][1] is None
                     and "辖" not in h[-1][2] and h[-1][2].endswith(("区", "县"))]
        if districts and len(name) <= 5:
            out.append((provinces.get(code[:2], ""), name, districts))
    return sorted(out)


class Generator:
    """Deterministic names and pairs from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        import opencc

        self.s2t = opencc.OpenCC("s2t")

    def brand(self) -> str:
        r = self.rng.random()
        if r < 0.05:
            return self.rng.choice(PLACE_LIKE_BRANDS) + ("" if r < 0.025 else self.rng.choice(BRAND_CHARS))
        r = self.rng.random()
        if r < 0.04:
            return self.rng.choice(LATIN_BRANDS) + "".join(self.rng.sample(BRAND_CHARS, 1))
        size = 2 if r < 0.75 else 3 if r < 0.93 else 4
        return "".join(self.rng.sample(BRAND_CHARS, size))

    def name(self) -> Name:
        province, city, districts = self.rng.choice(cities())
        style = self.rng.choices(("city", "province_city", "short", "short_province_city", "city_district",
                                  "district", "bracket", "none"), (40, 8, 12, 4, 12, 4, 10, 10))[0]
        return Name(province, city, self.rng.choice(districts), self.brand(), self.rng.choice(INDUSTRIES),
                    self.rng.choice(FORMS), style)

    # --- positive variants: functions of the written name and its parts

    def traditional(self, n: Name, text: str) -> str:
        return self.s2t.convert(text)

    def place_toggled(self, n: Name, text: str) -> str:
        if n.style == "none":
            return self.rng.choice((n.city, _short(n.city), n.province + n.city)) + text
        if n.style == "bracket":
            return text.replace(f"（{_short(n.city)}）", "")
        return Name(n.province, n.city, n.district, n.brand, n.industry, n.form, "none").text() \
            if text == n.text() else text

    def bracketed(self, n: Name, text: str) -> str:
        return Name(n.province, n.city, n.district, n.brand, n.industry, n.form,
                    "city" if n.style == "bracket" else "bracket").text()

    def form_variant(self, n: Name, text: str) -> str:
        if "有限责任公司" in text:
            return text.replace("有限责任公司", "有限公司")
        return text.replace("有限公司", "有限责任公司")

    def full_width(self, n: Name, text: str) -> str:
        if not any(c in FULL_WIDTH or c in "（）" for c in text):
            return self.rng.choice((f"{text}\u3000", f"\u3000{text}"))  # an ideographic space
        back = {v: k for k, v in FULL_WIDTH.items() if k in "()"}
        return "".join(FULL_WIDTH.get(c, back.get(c, c)) for c in text)

    def spaced(self, n: Name, text: str) -> str:
        cut = sorted(self.rng.sample(range(1, len(text)), min(2, len(text) - 1)))
        return text[:cut[0]] + " " + text[cut[0]:cut[-1]] + self.rng.choice((" ", "  ", "\t")) + text[cut[-1]:]

    def positives(self) -> list[tuple[str, Callable[[Name, str], str]]]:
        return [("繁体", self.traditional), ("地名前缀增删", self.place_toggled), ("括号城市", self.bracketed),
                ("有限责任公司", self.form_variant), ("全角", self.full_width), ("空格", self.spaced)]

    # --- negatives: another subject

    def brand_changed(self, n: Name) -> Name:
        i = self.rng.randrange(len(n.brand))
        if not "\u4e00" <= n.brand[i] <= "\u9fff":
            i = len(n.brand) - 1
        other = self.rng.choice([c for c in BRAND_CHARS if c not in n.brand])
        return Name(n.province, n.city, n.district, n.brand[:i] + other + n.brand[i + 1:], n.industry, n.form, n.style)

    def other_city(self, n: Name) -> Name:
        if n.style in ("city_district", "district") and self.rng.random() < 0.5:
            _, _, districts = next(c for c in cities() if c[1] == n.city)
            others = [d for d in districts if d != n.district]
            if others:
                return Name(n.province, n.city, self.rng.choice(others), n.brand, n.industry, n.form, n.style)
        province, city, districts = self.rng.choice([c for c in cities() if c[1] != n.city])
        style = n.style if n.style != "none" else "city"
        return Name(province, city, self.rng.choice(districts), n.brand, n.industry, n.form, style)

    def other_industry(self, n: Name) -> Name:
        return Name(n.province, n.city, n.district, n.brand,
                    self.rng.choice([i for i in INDUSTRIES if i != n.industry]), n.form, n.style)

    def pair(self, positive: bool) -> Pair:
        n = self.name()
        if n.style == "none" and not positive:
            n = Name(n.province, n.city, n.district, n.brand, n.industry, n.form, "city")
        variants = self.positives()
        if positive:
            picked = self.rng.sample(variants, self.rng.choice((1, 1, 2)))
            text = n.text()
            for _, apply in picked:
                text = apply(n, text)
            return Pair(n.text(), text, 1, "+".join(k for k, _ in picked))
        kind, make = self.rng.choice((("字号一字之差", self.brand_changed), ("异地同名", self.other_city),
                                      ("行业不同", self.other_industry)))
        other = make(n)
        text = other.text()
        if self.rng.random() < 0.4:  # dressed in a harmless variant, which must not rescue it
            # (moving the city into brackets drops the district: a district-only difference would vanish)
            dropped = ("地名前缀增删",) + (("括号城市",) if other.city == n.city else ())
            label, apply = self.rng.choice([v for v in variants if v[0] not in dropped])
            text, kind = apply(other, text), f"{kind}+{label}"
        return Pair(n.text(), text, 0, kind)


def generate(pairs: int = 12_000, seed: int = 7) -> list[Pair]:
    """Half positives, half negatives, deterministic for a seed."""
    gen = Generator(seed)
    return [gen.pair(i % 2 == 0) for i in range(pairs)]


def main() -> None:
    """Write the pairs as CSV (a, b, label, kind)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args()
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
    writer = csv.writer(out)
    writer.writerow(("a", "b", "label", "kind"))
    for p in generate(args.pairs, args.seed):
        writer.writerow((p.a, p.b, p.label, p.kind))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
