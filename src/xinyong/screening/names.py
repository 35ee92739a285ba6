"""Chinese organisation names: normalise (width, 繁简, brackets, places, legal forms) and score pairs 0..1 with reasons.

A name is read as 行政区划 + 字号 + 行业 + 组织形式 (+ 分支机构). The place parts (a leading
province/city/district prefix, a bracketed city) are taken out of the name but kept as evidence:
two names whose places both exist and disagree are not the same subject. The legal form is
normalised (有限责任公司 → 有限公司); 股份有限公司 differs from 有限公司 only as weak evidence; a
branch (分公司) is a different subject from its parent. What remains, the core (字号 + 行业), is
compared with rapidfuzz; any difference in the core keeps the score below the default threshold.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from xinyong.screening import places

DEFAULT_THRESHOLD = 0.85  # names scoring at least this are reported as matches
CORE_DIFF_WEIGHT = 0.8  # a core that differs at all scores at most this (below the threshold)
REGION_MISMATCH = {2: 0.4, 4: 0.4, 6: 0.3}  # penalty by the level where places disagree (省, 市, 区县)
ONE_SIDED_PLACE = 0.02
FORM_WEAK, FORM_OTHER, FORM_MISSING = 0.05, 0.10, 0.02
BRANCH_CAP = 0.6

FORMS = (("股份有限公司", "股份有限公司"), ("股份公司", "股份有限公司"), ("有限责任公司", "有限公司"),
         ("有限公司", "有限公司"), ("个人独资企业", "个人独资企业"), ("合伙企业", "合伙企业"), ("公司", "公司"))
WEAK_FORMS = ({"有限公司", "股份有限公司", "公司"}, {"合伙企业", *(f"合伙企业({k})" for k in ("普通合伙", "有限合伙", "特殊普通合伙"))})
PARTNERSHIP = {"普通合伙", "有限合伙", "特殊普通合伙"}
BRANCH_WORDS = ("分公司", "分店", "分厂", "营业部", "办事处", "分行", "支行", "分所", "分院", "分部")
_BRANCH = re.compile(r"^(.+(?:公司|企业|厂|店|社|行))(.*?)(" + "|".join(BRANCH_WORDS) + r")$")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "［": "(", "］": ")",
                           "{": "(", "}": ")", "〖": "(", "〗": ")", "（": "(", "）": ")"})
_NOT_KEPT = re.compile(r"[^0-9A-Z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff()]")
_GROUP = re.compile(r"\(([^()]*)\)")
_SPACE = re.compile(r"\s+")
# Industry words (行业表述) seen at the end of cores; only used to explain what differs.
_INDUSTRY_TEXT = """
食品 贸易 商贸 科技 信息科技 网络科技 电子科技 生物科技 环保科技 智能科技 新能源科技 建筑工程 建设工程 工程 建设 建筑
装饰工程 装饰 装修 物流 供应链 运输 货运 医药 药业 药房 大药房 医疗器械 医疗 健康管理 餐饮管理 餐饮 酒店管理 酒店
机械制造 机械 制造 设备 房地产开发 房地产 置业 物业管理 物业 电子商务 电子 电器 电气 旅行社 旅游 化工 人力资源 劳务
投资 投资管理 资产管理 实业 发展 服务 咨询 管理咨询 文化传媒 传媒 广告 文化 教育咨询 教育 培训 农业 农业开发 林业
渔业 水产 塑料 纺织 服饰 服装 鞋业 家具 建材 五金 钢铁 金属 材料 新材料 能源 新能源 电力 光电 照明 印刷 包装 陶瓷
石材 茶业 酒业 进出口 国际贸易 保安服务 环境工程 水务 燃气 矿业 混凝土 水泥 家居 卫浴 日用品 百货 超市 商行 技术
信息技术 软件 网络 通信 自动化 仪器 汽车销售 汽车服务 汽车 工艺品 体育 生物 纸业 食品科技 企业管理 商务 环保
"""
INDUSTRY_WORDS = tuple(sorted(set(_INDUSTRY_TEXT.split()), key=len, reverse=True))
_INDUSTRY_SET = frozenset(INDUSTRY_WORDS)
_INDUSTRY_SIZES = tuple(sorted({len(w) for w in INDUSTRY_WORDS}, reverse=True))
STAGE_REASONS = ("全角/半角差异已统一", "空格差异已忽略", "繁简转换后一致", "括号和标点差异已忽略")


@dataclass(frozen=True, slots=True)
class ParsedName:
    """A name taken apart for matching; `stages` are the text after each normalisation step."""

    original: str
    stages: tuple[str, str, str, str, str]
    prefix: tuple[str, ...]  # leading place parts as written (simplified): 福建省, 漳州市
    bracket: tuple[str, ...]  # bracketed places: (漳州)
    region: frozenset[str]  # region-code prefixes the places allow; empty: no place in the name
    form: str  # canonical legal form or ""
    form_written: str
    branch: str  # 漳州分公司, or ""
    core: str  # 字号 + 行业, without places and form
    alt_core: str  # core with an uncertain short-form prefix (漳州, 金华) kept as part of the brand, or ""
    alt_region: frozenset[str]  # the places of that reading: the bracketed ones only

    @property
    def brand(self) -> str:
        """The 字号 part of the core (the core minus trailing industry words)."""
        return split_core(self.core)[0]

    @property
    def keys(self) -> tuple[str, ...]:
        """Blocking keys: the core, and the alternative reading when there is one."""
        return (self.core, self.alt_core) if self.alt_core else (self.core,)


@dataclass(frozen=True, slots=True)
class NameMatch:
    """Score 0..1 of two names and why (Chinese)."""

    score: float
    reasons: tuple[str, ...]


def split_core(core: str) -> tuple[str, str]:
    """(brand, industry): trailing industry words split off while at least two brand characters remain."""
    end = len(core)
    while True:
        for size in _INDUSTRY_SIZES:
            if end - size >= 2 and core[end - size:end] in _INDUSTRY_SET:
                end -= size
                break
        else:
            return core[:end], core[end:]


def _early_stages(name: str) -> tuple[str, str]:
    width = unicodedata.normalize("NFKC", name).upper()
    return width, _SPACE.sub("", width)


def _brackets(text: str) -> tuple[str, list[str], str]:
    """Text with bracket groups resolved: places and partnership kinds taken out, other content kept."""
    found: list[str] = []
    kind = ""

    def one(m: re.Match[str]) -> str:
        nonlocal kind
        inner = m.group(1)
        if places.lookup(inner, nested=True):
            found.append(inner)
            return ""
        if inner in PARTNERSHIP:
            kind = inner
            return ""
        return inner

    previous = None
    while previous != text:
        previous, text = text, _GROUP.sub(one, text)
    return text.replace("(", "").replace(")", ""), found, kind


def _form(text: str) -> tuple[str, str, str]:
    for written, canonical in FORMS:
        if text.endswith(written) and len(text) > len(written):
            return text[: -len(written)], canonical, written
    return text, "", ""


def _parse(original: str, width: str, spaced: str, simple: str) -> ParsedName:
    kept = _NOT_KEPT.sub("", simple.translate(_BRACKETS))
    text, bracket, partnership = _brackets(kept)
    punct = kept.replace("(", "").replace(")", "")
    branch = ""
    m = _BRANCH.match(text)
    if m:
        text, label, word = m.group(1), m.group(2), m.group(3)
        branch = places.short_label(label) + word
    elif text.endswith(BRANCH_WORDS) and not text.startswith(BRANCH_WORDS):
        word = next(w for w in BRANCH_WORDS if text.endswith(w))
        text, branch = text[: -len(word)], word
    text, form, written = _form(text)
    if partnership:
        form = written = f"{written or '合伙企业'}({partnership})"
    prefix, regions, uncertain, core = places.leading(text)
    region = regions[-1] if prefix else frozenset()
    inside: frozenset[str] = frozenset()
    for b in bracket:
        inside = places.combine(inside, places.lookup(b, nested=True))
    alt, alt_region = "", inside
    if uncertain >= 0:  # read from the first short-form part on as brand too: 金华食品, 河源市龙川春包装
        sure = regions[uncertain - 1] if uncertain else frozenset()
        alt, alt_region = "".join(prefix[uncertain:]) + core, places.combine(sure, inside)
        if inside and not places.compatible(region, inside) and (not sure or places.compatible(sure, inside)):
            prefix, region, core, alt = prefix[:uncertain], sure, alt, ""  # 海东食品（许昌）: 海东 is the brand
    region = places.combine(region, inside)
    return ParsedName(original, (original, width, spaced, simple, punct), tuple(prefix), tuple(bracket), region,
                      form, written, branch, core, alt, alt_region)


def normalise(name: str) -> ParsedName:
    """Take one name apart (see parse_many for many)."""
    return parse_many([name])[0]


def parse_many(names: Sequence[str]) -> list[ParsedName]:
    """Take many names apart; traditional → simplified runs once over all of them."""
    early = [_early_stages(n or "") for n in names]
    simple = places.simplify([s for _, s in early])
    return [_parse(n or "", w, s, t) for n, (w, s), t in zip(names, early, simple, strict=True)]


def _stage_reasons(a: ParsedName, b: ParsedName, cores_equal: bool) -> list[str]:
    reasons = []
    before = Levenshtein.distance(a.stages[0], b.stages[0])
    for k in range(1, 5):
        after = Levenshtein.distance(a.stages[k], b.stages[k])
        changed = a.stages[k] != a.stages[k - 1] or b.stages[k] != b.stages[k - 1]
        if changed and after < before:
            text = STAGE_REASONS[k - 1]
            reasons.append(text if k != 3 or cores_equal else "已做繁简转换")
        before = after
    return reasons


def _place_text(p: ParsedName) -> str:
    return "".join(p.prefix) or "".join(f"（{b}）" for b in p.bracket)


def _places(a: ParsedName, b: ParsedName, alt_a: bool, alt_b: bool, cores_equal: bool) -> tuple[float, list[str]]:
    ra, rb = (a.alt_region if alt_a else a.region), (b.alt_region if alt_b else b.region)
    if ra and rb:
        level = places.mismatch_level(ra, rb)
        if level is None:
            inner = rb if max(map(len, rb)) > max(map(len, ra)) else ra
            return 0.0, [f"地名一致：{places.display(inner)}"]
        label = {2: "省份不同", 4: "城市不同", 6: "区县不同"}[level]
        return REGION_MISMATCH[level], [f"{label}：{places.display(ra, level)} vs {places.display(rb, level)}"]
    if not (ra or rb):
        return 0.0, []
    one, alt = (a, alt_a) if ra else (b, alt_b)
    if one.bracket and (alt or not one.prefix):
        text = f"括号内地名作为地名证据：{'、'.join(one.bracket)}（仅一方含地名）"
    else:
        text = "去除地名前缀后一致" if cores_equal else f"仅一方含地名：{_place_text(one)}"
    return ONE_SIDED_PLACE, [text]


def _forms(a: ParsedName, b: ParsedName) -> tuple[float, list[str]]:
    if a.form == b.form:
        if a.form and a.form_written != b.form_written:
            return 0.0, [f"法律形式写法统一后一致：{a.form_written}/{b.form_written}"]
        return 0.0, []
    if not (a.form and b.form):
        return FORM_MISSING, [f"仅一方写明法律形式：{a.form or b.form}"]
    weak = any(a.form in group and b.form in group for group in WEAK_FORMS)
    return (FORM_WEAK if weak else FORM_OTHER), [f"法律形式不同：{a.form}/{b.form}"]


def _core_reasons(ca: str, cb: str, sim: float) -> list[str]:
    (ba, ia), (bb, ib) = split_core(ca), split_core(cb)
    reasons = []
    if ba != bb:
        reasons.append(f"字号不同：{ba} vs {bb}")
    if ia != ib:
        reasons.append(f"行业表述不同：{ia or '无'} vs {ib or '无'}")
    if not reasons:
        reasons.append(f"核心名称不同：{ca} vs {cb}")
    return [*reasons, f"核心名称相似度 {sim:.2f}"]


def _one(a: ParsedName, b: ParsedName, alt_a: bool, alt_b: bool) -> NameMatch:
    ca, cb = (a.alt_core if alt_a else a.core), (b.alt_core if alt_b else b.core)
    equal = ca == cb
    sim = 1.0 if equal else fuzz.ratio(ca, cb) / 100
    score = 1.0 if equal else CORE_DIFF_WEIGHT * sim
    reasons = _stage_reasons(a, b, equal)
    penalty, why = _places(a, b, alt_a, alt_b, equal)
    score -= penalty
    reasons += why
    penalty, why = _forms(a, b)
    score -= penalty
    reasons += why
    if a.branch != b.branch:
        score = min(score, BRANCH_CAP)
        reasons.append(f"分支机构不同：{a.branch or '总机构'} vs {b.branch or '总机构'}")
    elif a.branch:
        reasons.append(f"分支机构一致：{a.branch}")
    reasons += [f"字号及行业一致：{ca}"] if equal else _core_reasons(ca, cb, sim)
    return NameMatch(round(max(0.0, min(1.0, score)), 3), tuple(reasons))


def score(a: str | ParsedName, b: str | ParsedName) -> NameMatch:
    """Score two names 0..1 with the reasons; the best reading of uncertain place prefixes counts."""
    pa = a if isinstance(a, ParsedName) else normalise(a)
    pb = b if isinstance(b, ParsedName) else normalise(b)
    if pa.original == pb.original and pa.original:
        return NameMatch(1.0, ("名称完全一致",))
    best = _one(pa, pb, False, False)
    if pa.core == pb.core:
        return best
    # An uncertain short prefix (金华…) may be part of the brand: that reading counts only when it makes
    # the cores equal, so that a near miss keeps the plain explanation.
    for alt_a, alt_b in ((True, False), (False, True), (True, True)):
        ca = pa.alt_core if alt_a else pa.core
        cb = pb.alt_core if alt_b else pb.core
        if ca and ca == cb:
            found = _one(pa, pb, alt_a, alt_b)
            if found.score > best.score:
                best = found
    return best


def is_match(a: str | ParsedName, b: str | ParsedName, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether two names score at least the threshold."""
    return score(a, b).score >= threshold
