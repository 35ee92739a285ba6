"""Deterministic generation of realistic demo subjects and records (pure, no database)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from xinyong import codes
from xinyong.demo import pools

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body8: str) -> str:
    """Check character of a 组织机构代码 (GB 11714: weights 3,7,9,10,5,8,4,2, MOD 11)."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _initials(text: str) -> str:
    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER) if p).lower()


@dataclass
class DemoPerson:
    """A generated natural person."""

    name: str
    initials: str
    id_number: str
    region_code: str


@dataclass
class DemoOrganisation:
    """A generated company, individual business or agency."""

    name: str
    initials: str
    uscc: str
    region_code: str
    address: str
    registered_on: dt.date
    industry: int
    representative: int | None = None  # index into the persons list
    kind_prefix: str = "91"
    extra: dict[str, str] = field(default_factory=dict)


class DemoGenerator:
    """All randomness of the demo comes from one seeded generator, so a seed gives one data set."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._used_codes: set[str] = set()
        self._initials_cache: dict[str, str] = {}
        self._serial = 0

    def initials(self, piece: str) -> str:
        """Pinyin initials, cached per name piece (names are built from a few pieces)."""
        cached = self._initials_cache.get(piece)
        if cached is None:
            cached = self._initials_cache[piece] = _initials(piece)
        return cached

    def uscc(self, prefix2: str, region: str) -> str:
        """A unique, valid 统一社会信用代码 with a valid embedded 组织机构代码."""
        while True:
            self._serial += 1
            body8 = f"{self.rng.choice('MJ'):1}{self.rng.randrange(10**6):06d}{self._serial % 10}"
            org = body8 + org_code_check(body8)
            body17 = f"{prefix2}{region}{org}"
            code = body17 + codes.uscc_check_char(body17)
            if code not in self._used_codes:
                self._used_codes.add(code)
                return code

    def person(self, city: pools.City) -> DemoPerson:
        """A person born 1955–2004 in one of the city's districts."""
        surname = self.rng.choice(pools.SURNAMES)
        given = "".join(self.rng.choice(pools.GIVEN) for _ in range(self.rng.choice((1, 2, 2))))
        while True:
            region = self.rng.choice(city.districts)[0]
            birth = dt.date(1955, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 49))
            body17 = f"{region}{birth:%Y%m%d}{self.rng.randrange(1000):03d}"
            if body17 not in self._used_codes:
                self._used_codes.add(body17)
                break
        return DemoPerson(
            name=surname + given, initials=self.initials(surname) + self.initials(given),
            id_number=body17 + codes.resident_id_check_char(body17), region_code=region,
        )

    def company(self, city: pools.City) -> DemoOrganisation:
        """A limited company registered in the city."""
        region, district = self.rng.choice(city.districts)
        trade = "".join(self.rng.sample(pools.TRADE, 2))
        industry = self.rng.randrange(len(pools.INDUSTRIES))
        suffix = self.rng.choice(pools.COMPANY_SUFFIX)
        name = f"{city.name}{trade}{pools.INDUSTRIES[industry][0]}{suffix}"
        return DemoOrganisation(
            name=name,
            initials=self.initials(city.name) + self.initials(trade) + self.initials(pools.INDUSTRIES[industry][0])
            + self.initials(suffix),
            uscc=self.uscc("91", region), region_code=region, address=self.address(city, district),
            registered_on=self.date_between(dt.date(1998, 1, 1), dt.date(2025, 12, 31)), industry=industry,
        )

    def shop(self, city: pools.City, owner: DemoPerson) -> DemoOrganisation:
        """An individual business (个体工商户) named after its owner."""
        region, district = self.rng.choice(city.districts)
        kind = self.rng.choice(pools.SHOP_KINDS)
        name = f"{district}{owner.name[0]}记{kind}"
        return DemoOrganisation(
            name=name, initials=self.initials(district) + self.initials(owner.name[0]) + "j" + self.initials(kind),
            uscc=self.uscc("92", region), region_code=region, address=self.address(city, district),
            registered_on=self.date_between(dt.date(2005, 1, 1), dt.date(2025, 12, 31)),
            industry=0 if "店" in kind else 2, kind_prefix="92",
        )

    def address(self, city: pools.City, district: str) -> str:
        """A street address in the district."""
        return f"{city.province}{city.name}{district}{self.rng.choice(pools.STREETS)}{self.rng.randrange(1, 400)}号"

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        """A uniformly random date in [start, end]."""
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def departments(self) -> Iterator[tuple[pools.City, str, str, str]]:
        """(city, uscc, name, group) for each department of each seed city."""
        for city in pools.CITIES:
            place = "济宁市任城区" if city.code == "370800" else city.name
            region = "370811" if city.code == "370800" else city.code
            for suffix, group in pools.DEPARTMENTS:
                yield city, self.uscc("11", region), f"{place}{suffix}", group
