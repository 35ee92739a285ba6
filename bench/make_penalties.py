"""Generate a large, realistic 行政处罚 (xzcf) CSV for the import benchmark.

Run:  .venv/bin/python bench/make_penalties.py OUT.csv [--rows 1000000] [--encoding gbk] [--seed 1]
Import it with  xinyong import OUT.csv --catalog xzcf --department <the department's code>.

Every row is valid for the xzcf catalogue: national field codes as headers (all 30 columns, the optional
ones filled where a real export fills them), ~85% 法人及非法人组织/个体工商户 with valid 统一社会信用代码
(many distinct companies, each keeping one name, some penalised several times), ~15% 自然人 with valid
居民身份证 numbers, 违法事实 of 50–200 characters, 处罚类别 mostly 罚款, decision dates within the two
years before `today`, 数据来源单位 = 处罚机关 = the submitting department, one 决定书文号 per row.
Subjects come from pools computed once; rows are written with csv.writer in blocks. One seed (and one
`today`) gives one file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import time
from pathlib import Path

from xinyong import codes
from xinyong.demo import pools
from xinyong.demo.generator import org_code_check

HEADER = (
    "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ", "CF_XDR_SYDW",
    "CF_XDR_SHZZ", "CF_FRDB", "CF_FR_ZJLX", "CF_FR_ZJHM", "CF_XDR_ZJLX", "CF_XDR_ZJHM",
    "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX",
    "CF_JDRQ", "CF_YXQ", "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "BZ",
)
DEFAULT_DEPARTMENT = ("350600", "MB181234", "漳州市市场监督管理局")  # region, 组织机构代码 body, name
PERSON_SHARE = 0.15  # 自然人 rows
ORG_POOL = 2.0  # organisations to draw from per organisation row: ~77% of those drawn appear once
PEOPLE_POOL = 0.25  # people per row (the 自然人 rows draw from them, and so do the 法定代表人)
SHOP_SHARE = 0.15  # 个体工商户 among the organisations
BLOCK_ROWS = 5_000
ID = "居民身份证"
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# (违法行为类型, 处罚依据, fine range in yuan, goods, 违法事实 sentences, licence revoked on 吊销许可证件)
# Sentences take {d} (date), {p} (place), {g} (goods), {q} (quantity), {v} (value), {w} (gain).
VIOLATIONS = (
    ("未按规定公示年度报告", "《企业信息公示暂行条例》第十八条", (1_000, 10_000), ("年度报告",),
     ("当事人未按照《企业信息公示暂行条例》规定的期限公示{y}年度报告",
      "经责令限期履行后，当事人逾期仍未公示"), "营业执照"),
    ("销售不符合食品安全标准的食品", "《中华人民共和国食品安全法》第一百二十四条第一款第一项", (50_000, 200_000),
     ("散装白酒", "鲜猪肉", "豆芽", "韭菜", "腌制腊肉", "散装大米", "蜂蜜"),
     ("当事人于{d}在{p}经营场所销售的{g}经抽样检验不符合食品安全标准",
      "货值金额{v}元，违法所得{w}元", "当事人共购进上述{g}{q}公斤，已全部售出"), "食品经营许可证"),
    ("销售超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条第一款第五项", (5_000, 50_000),
     ("袋装饼干", "酸奶", "方便面", "罐装饮料", "火腿肠"),
     ("执法人员于{d}对当事人位于{p}的经营场所进行检查，发现货架上摆放超过保质期的{g}{q}件",
      "当事人不能提供合法来源证明，货值金额{v}元"), "食品经营许可证"),
    ("未取得食品经营许可从事食品经营活动", "《中华人民共和国食品安全法》第一百二十二条第一款", (50_000, 100_000),
     ("熟食", "糕点", "现制饮品"),
     ("当事人自{d}起在{p}未取得食品经营许可从事{g}经营活动", "至案发时违法所得{w}元"), "营业执照"),
    ("未建立并遵守进货查验记录制度", "《中华人民共和国食品安全法》第一百二十六条第一款第三项", (5_000, 20_000),
     ("冷冻肉制品", "食用油", "调味品"),
     ("当事人在{p}经营{g}期间未按规定查验供货者的许可证和产品合格证明文件", "未如实记录进货信息"), None),
    ("发布虚假广告", "《中华人民共和国广告法》第五十五条第一款", (100_000, 800_000),
     ("保健食品", "护肤品", "教育培训服务", "理财咨询服务"),
     ("当事人于{d}起通过其网站和微信公众号发布{g}广告，宣称效果但无法提供证明材料",
      "广告费用{v}元", "上述广告内容与实际情况不符，构成虚假广告"), "营业执照"),
    ("虚假宣传", "《中华人民共和国反不正当竞争法》第二十条第一款", (100_000, 500_000),
     ("家用电器", "空气净化器", "净水器"),
     ("当事人在{p}门店及网络店铺对其销售的{g}的性能、功能作虚假的商业宣传", "欺骗、误导消费者，违法经营额{v}元"),
     None),
    ("不按规定明码标价", "《中华人民共和国价格法》第四十二条", (1_000, 5_000),
     ("蔬菜水果", "停车服务", "美容美发服务"),
     ("执法人员于{d}检查发现，当事人在{p}经营{g}未按规定明码标价", "部分商品标价签与实际收费不一致"), None),
    ("生产、销售不合格产品", "《中华人民共和国产品质量法》第五十条", (20_000, 300_000),
     ("电线电缆", "儿童服装", "电动自行车头盔", "建筑用钢筋"),
     ("当事人生产的{g}经市级产品质量监督抽查检验不合格", "共生产{q}件，货值金额{v}元，违法所得{w}元"),
     "工业产品生产许可证"),
    ("使用未经检定的计量器具", "《中华人民共和国计量法实施细则》第四十三条", (1_000, 10_000), ("电子计价秤", "加油机"),
     ("执法人员于{d}在{p}检查发现，当事人使用的{n}台{g}未按规定申请周期检定", "且用于贸易结算"), None),
    ("侵犯注册商标专用权", "《中华人民共和国商标法》第六十条第二款", (30_000, 250_000), ("运动鞋", "手提包", "白酒"),
     ("当事人于{d}在{p}销售侵犯他人注册商标专用权的{g}{q}件", "不能说明商品合法来源，非法经营额{v}元"), None),
    ("特种设备未经定期检验继续使用", "《中华人民共和国特种设备安全法》第八十四条第一项", (30_000, 300_000),
     ("电梯", "叉车", "压力容器"),
     ("执法人员于{d}检查发现，当事人在{p}使用的{n}台{g}超过定期检验有效期仍继续使用", "存在安全隐患"), None),
    ("无照经营", "《无证无照经营查处办法》第十三条", (1_000, 10_000), ("日用百货", "二手手机", "水产品"),
     ("当事人自{d}起在{p}未依法取得营业执照从事{g}经营活动", "违法所得{w}元"), None),
    ("拒绝或拖延修理、更换、退货", "《中华人民共和国消费者权益保护法》第五十六条第一款第八项", (2_000, 20_000),
     ("手机", "家具", "电动车"),
     ("消费者于{d}购买的{g}在三包期内出现质量问题，当事人故意拖延、无理拒绝消费者的合理要求",), None),
)
# 处罚类别 (cumulative share): mostly 罚款, some 警告, a few licence revocations.
CATEGORIES = (
    (0.78, "罚款"), (0.84, "没收违法所得;罚款"), (0.955, "警告"), (0.975, "警告;罚款"),
    (0.99, "吊销许可证件"), (1.0, "责令停产停业"),
)
LENIENT = "当事人积极配合调查，如实陈述违法事实，主动消除违法行为危害后果，依法从轻处罚。"
REMARKS = ("", "", "", "", "", "", "", "当事人已履行完毕", "罚款已缴纳", "当事人申请延期缴纳罚款，已批准")


def department_code(region: str = DEFAULT_DEPARTMENT[0], org_body8: str = DEFAULT_DEPARTMENT[1]) -> str:
    """A valid 统一社会信用代码 of a 机关 (11) in region with the given 组织机构代码 body."""
    body17 = f"11{region}{org_body8}{org_code_check(org_body8)}"
    return body17 + codes.uscc_check_char(body17)


def _short_name(department_name: str) -> str:
    """Abbreviation used in 决定书文号, e.g. 漳州市市场监督管理局 → 漳市监."""
    if "市场监督管理" in department_name:
        return department_name[0] + "市监"
    return department_name[:2]


# Check characters from per-position weighted sums, so a pool of 500,000 codes takes about a second;
# _verify() compares every VERIFY_EVERY-th code with codes.py / org_code_check, the authorities.
_USCC_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_VALUE = {c: int(c, 36) for c in _ALPHABET}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_RIC_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_RIC_CHECK = "10X98765432"
VERIFY_EVERY = 997


def _sum(text: str, value: dict[str, int], weights: list[int] | tuple[int, ...], offset: int = 0) -> int:
    return sum(value[c] * weights[offset + i] for i, c in enumerate(text))


def _digit_sums(width: int, offset: int) -> list[int]:
    """Weighted 公民身份号码 sums of every width-digit number at position offset, by value."""
    return [sum(int(c) * _RIC_WEIGHTS[offset + i] for i, c in enumerate(f"{n:0{width}d}"))
            for n in range(10**width)]


def _verify(kind: str, body: str, check: str) -> None:
    authority = {"ric": codes.resident_id_check_char, "uscc": codes.uscc_check_char, "org": org_code_check}
    expected = authority[kind](body)
    if check != expected:
        raise AssertionError(f"{kind} check of {body}: {check} != {expected}")


def _people(rng: random.Random, count: int, regions: list[str]) -> list[tuple[str, str]]:
    """(name, 居民身份证 number) pairs, numbers unique, born 1960–2003."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    r = rng.random
    surnames, given = pools.SURNAMES, pools.GIVEN
    first = dt.date(1960, 1, 1)
    births = [f"{first + dt.timedelta(days=i):%Y%m%d}" for i in range(365 * 44)]
    region_sums = [sum(int(c) * _RIC_WEIGHTS[i] for i, c in enumerate(code)) for code in regions]
    birth_sums = [sum(int(c) * _RIC_WEIGHTS[6 + i] for i, c in enumerate(b)) for b in births]
    order_sums = _digit_sums(3, 14)
    n_regions, n_births, n_surnames, n_given = len(regions), len(births), len(surnames), len(given)
    while len(out) < count:
        a, b, c = int(r() * n_regions), int(r() * n_births), int(r() * 1000)
        body17 = f"{regions[a]}{births[b]}{c:03d}"
        if body17 in seen:
            continue
        seen.add(body17)
        name = surnames[int(r() * n_surnames)] + given[int(r() * n_given)]
        if r() < 0.7:
            name += given[int(r() * n_given)]
        check = _RIC_CHECK[(region_sums[a] + birth_sums[b] + order_sums[c]) % 11]
        if len(out) % VERIFY_EVERY == 0:
            _verify("ric", body17, check)
        out.append((name, body17 + check))
    return out


def _org_code(serial: int, modern: bool) -> str:
    """A unique 9-char 组织机构代码: 'MA' + 6 chars (post-2015 style) or 8 digits (older), then its check."""
    if modern:
        # serial ↦ serial·k mod 31^6 is a bijection (k is prime to 31): distinct serials, distinct codes
        n, chars = serial * 7_368_787 % 31**6, ["M", "A"]
        for _ in range(6):
            n, d = divmod(n, 31)
            chars.append(_ALPHABET[d])
        body8 = "".join(chars)
    else:
        body8 = f"{serial * 7_368_787 % 10**8:08d}"
    check = 11 - _sum(body8, _ORG_VALUE, _ORG_WEIGHTS) % 11
    org = body8 + ("X" if check == 10 else "0" if check == 11 else str(check))
    if serial % VERIFY_EVERY == 0:
        _verify("org", body8, org[8])
    return org


class Organisations:
    """Companies and 个体工商户 by pool index, made on first use (a pool larger than the rows drawn costs
    only the companies drawn); the index is the serial behind the 组织机构代码, so codes are unique."""

    def __init__(self, rng: random.Random, people: list[tuple[str, str]],
                 districts: list[tuple[pools.City, str, str]]) -> None:
        self.r, self.people, self.districts = rng.random, people, districts
        self.made: dict[int, list[str]] = {}
        self.prefix_sums = {p + code: _sum(p + code, _USCC_VALUE, _USCC_WEIGHTS)
                            for p in ("91", "92") for _, code, _ in districts}

    def get(self, index: int) -> list[str]:
        """Subject columns (CF_XDR_MC … CF_XDR_ZJHM) of organisation `index`."""
        found = self.made.get(index)
        if found is None:
            found = self.made[index] = self._make(index + 1)
        return found

    def _make(self, serial: int) -> list[str]:
        r, districts, people = self.r, self.districts, self.people
        trade, industries, suffixes = pools.TRADE, pools.INDUSTRIES, pools.COMPANY_SUFFIX
        kinds = pools.SHOP_KINDS
        city, region, district = districts[int(r() * len(districts))]
        boss, boss_id = people[int(r() * len(people))]
        modern = r() < 0.7
        org = _org_code(serial, modern)
        if r() < SHOP_SHARE:
            prefix = "92" + region
            name = f"{district}{boss[0]}记{kinds[int(r() * len(kinds))]}"
            category = "个体工商户"
        else:
            prefix = "91" + region
            a, b = int(r() * len(trade)), int(r() * (len(trade) - 1))
            words = trade[a] + trade[b + (b >= a)]
            place = district[:-1] if r() < 0.3 and len(district) > 2 else city.name[:-1]
            name = (f"{place}{words}{industries[int(r() * len(industries))][0]}"
                    f"{suffixes[int(r() * len(suffixes))]}")
            category = "法人及非法人组织"
        check = _ALPHABET[-(self.prefix_sums[prefix] + _sum(org, _USCC_VALUE, _USCC_WEIGHTS, 8)) % 31]
        if serial % VERIFY_EVERY == 0:
            _verify("uscc", prefix + org, check)
        uscc = prefix + org + check
        registration = f"{region}{int(r() * 10**9):09d}" if not modern and r() < 0.8 else ""
        zzjg = f"{org[:8]}-{org[8]}" if r() < 0.5 else ""
        tax = uscc if r() < 0.2 else ""
        with_id = r() < 0.8
        return [name, category, uscc, registration, zzjg, tax, "", "", boss,
                ID if with_id else "", boss_id if with_id else "", "", ""]


def write_penalties(path: str | Path, rows: int, department_uscc: str, department_name: str, seed: int = 1,
                    encoding: str = "gbk", today: dt.date | None = None) -> int:
    """Write `rows` valid 行政处罚 rows (plus a header) to path; returns the file size in bytes."""
    rng = random.Random(seed)
    r = rng.random
    today = today or dt.date.today()
    districts = [(c, code, name) for c in pools.CITIES for code, name in c.districts]
    districts = [d for d in districts if codes.is_known_region(d[1])]
    regions = [d[1] for d in districts]
    people = _people(rng, max(100, int(rows * PEOPLE_POOL)), regions)
    orgs = Organisations(rng, people, districts)
    persons = [[name, "自然人", "", "", "", "", "", "", "", "", "", ID, number] for name, number in people]
    # Dates as text, by day offset from `base`: decisions fall in [today - 730, today - 1].
    base = today - dt.timedelta(days=730 + 200)
    span = 930 + 3 * 366 + 10
    days = [base + dt.timedelta(days=i) for i in range(span)]
    iso = [d.isoformat() for d in days]
    spoken = [f"{d.year}年{d.month}月{d.day}日" for d in days]
    places = [f"{c.name}{name}{street}{n}号" for c, _, name in districts for street in pools.STREETS
              for n in (3, 18, 27, 56, 88, 101, 135, 206)]
    short = _short_name(department_name)
    numbers = dict.fromkeys(range(base.year, base.year + 6), 0)
    years = [d.year for d in days]
    dept = [department_name, department_uscc, department_name, department_uscc]
    n_orgs = max(100, int(rows * (1 - PERSON_SHARE) * ORG_POOL))
    n_people, n_places, n_remarks = len(persons), len(places), len(REMARKS)
    violations = []
    for wfxw, yj, (lo, hi), goods, facts, licence in VIOLATIONS:
        plain = "经查，" + "，".join(facts) + f"。上述行为违反了{yj.split('第')[0]}的有关规定。"
        violations.append((wfxw, yj, lo, (hi - lo) // 100, goods, len(goods), plain, plain + LENIENT,
                           f"《{licence or '食品经营许可证'}》", licence or "食品经营许可证"))
    n_violations = len(violations)
    shares = [share for share, _ in CATEGORIES]
    money: dict[int, str] = {}

    def wan(yuan: int) -> str:
        """Yuan (a multiple of 100) as canonical 万元 text, memoised."""
        text = money.get(yuan)
        if text is None:
            whole, cents = divmod(yuan // 100, 100)
            text = money[yuan] = str(whole) if not cents else f"{whole}.{cents:02d}".rstrip("0")
        return text

    with Path(path).open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        block: list[list[str]] = []
        append = block.append
        for _ in range(rows):
            subject = persons[int(r() * n_people)] if r() < PERSON_SHARE else orgs.get(int(r() * n_orgs))
            violation = violations[int(r() * n_violations)]
            wfxw, yj, lo, steps, goods, n_goods, plain, lenient, book, licence = violation
            k = 200 + int(r() * 730)  # decision day index
            year = years[k]
            numbers[year] = serial = numbers[year] + 1
            x = r()
            category = CATEGORIES[0][1] if x < shares[0] else next(c for share, c in CATEGORIES if x < share)
            fine = lo + int(r() * steps) * 100
            gain = 100 * (1 + int(r() * 200))
            text = (lenient if r() < 0.4 else plain).format(
                d=spoken[k - 20 - int(r() * 160)], p=places[int(r() * n_places)], g=goods[int(r() * n_goods)],
                q=2 + int(r() * 300), n=1 + int(r() * 6), v=500 + int(r() * 50_000), w=gain, y=year - 1)
            fk = wfff = revoked = ""
            until = shown = k + 365
            if category == "罚款":
                content, fk = f"罚款人民币{fine:,}元", wan(fine)
            elif category == "警告":
                content, shown = "警告", k + 90
            elif category == "没收违法所得;罚款":
                content, fk, wfff = f"没收违法所得人民币{gain:,}元，并处罚款人民币{fine:,}元", wan(fine), wan(gain)
            elif category == "警告;罚款":
                content, fk = f"警告，并处罚款人民币{fine:,}元", wan(fine)
            elif category == "吊销许可证件":
                content, revoked = f"吊销{book}", f"{licence}（编号JY{int(r() * 10**14):014d}）"
                until = shown = k + 1095
            else:
                content, until, shown = "责令停产停业整顿三个月", k + 1095, k + 1095
            append([*subject, f"{short}罚〔{year}〕{serial}号", wfxw, text[:200], yj, category, content, fk, wfff,
                    revoked, iso[k], iso[until], iso[shown], *dept, REMARKS[int(r() * n_remarks)]])
            if len(block) >= BLOCK_ROWS:
                writer.writerows(block)
                block.clear()
        writer.writerows(block)
    return Path(path).stat().st_size


def main() -> None:
    """Write the file and say how long it took."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--encoding", default="gbk")
    parser.add_argument("--department", default=department_code(), help="报送部门统一社会信用代码")
    parser.add_argument("--department-name", default=DEFAULT_DEPARTMENT[2])
    args = parser.parse_args()
    start = time.perf_counter()
    size = write_penalties(args.out, args.rows, args.department, args.department_name, seed=args.seed,
                           encoding=args.encoding)
    seconds = time.perf_counter() - start
    print(f"{args.out}: {args.rows:,} rows, {size / 1e6:,.1f} MB ({args.encoding}), {seconds:.1f} s "
          f"({args.rows / seconds:,.0f} rows/s)", file=sys.stderr)


if __name__ == "__main__":
    main()
