"""Demo list entries made through the real workflow: grants, proposals, notices, approvals, a few exits."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from xinyong.accounts.service import Principal
from xinyong.calendar import WorkingCalendar, default_calendar
from xinyong.codes import DocumentType
from xinyong.config import get_settings
from xinyong.crypto import Keyring
from xinyong.demo import pools
from xinyong.demo.generator import DemoGenerator, DemoOrganisation, DemoPerson
from xinyong.departments import service as departments_service
from xinyong.departments.models import Department
from xinyong.lists import exits, service
from xinyong.lists.definitions import ExitReason
from xinyong.lists.models import ListEntry
from xinyong.lists.schemas import EntryProposal, SubjectRef

TAX_BUREAU = "国家税务总局漳州市税务局"
GRANTS = {
    "市场监督管理局": ("market_serious_violation", "food_drug_serious", "market_watch", "food_drug_watch"),
    "应急管理局": ("safety_serious", "safety_watch"),
    "人力资源和社会保障局": ("wage_arrears_black", "wage_arrears_watch"),
    "生态环境局": ("environment_watch",),
    "住房和城乡建设局": ("construction_watch",),
    TAX_BUREAU: ("tax_a_grade", "tax_major_violation", "tax_watch"),
}
FACTS = {
    "market_serious_violation": ("提交虚假材料取得企业登记", "生产销售不符合强制性国家标准的产品",
                                 "发布虚假广告，造成恶劣社会影响"),
    "food_drug_serious": ("生产经营添加非食用物质的食品", "销售过期变质食品并伪造生产日期"),
    "safety_serious": ("发生生产安全事故并负有责任，事故造成1人死亡", "未经许可擅自储存危险化学品，拒不整改"),
    "market_watch": ("一年内两次因未按规定公示年度报告受到行政处罚",),
}
Org = tuple[int, DemoOrganisation]
Person = tuple[int, DemoPerson]


def demo_calendar() -> WorkingCalendar:
    """The statutory calendar; years without holiday data count weekends only (demo dates only)."""
    settings = get_settings()
    folder = settings.holiday_dir if settings.holiday_dir.is_dir() else None
    return default_calendar(folder, weekends_fallback=True)


class DemoLists:
    """Creates the demo entries with one seeded generator, so a seed gives the same lists."""

    def __init__(self, session: Session, keyring: Keyring, principal: Principal, today: dt.date, seed: int) -> None:
        self.session, self.keyring, self.principal, self.today = session, keyring, principal, today
        self.rng = random.Random(seed)
        self.calendar = demo_calendar()
        self.created = 0

    def entry(self, dept: Department, code: str, ref: SubjectRef, facts: str, days_ago: int, *,
              notify: bool = True, approve: bool = True, notice_days: int = 2) -> ListEntry:
        """Propose, notify after notice_days and approve today, as a department and the credit office would."""
        recognised = self.today - dt.timedelta(days=days_ago)
        proposal = EntryProposal(list_type=code, subject=ref, facts=facts, recognised_on=recognised)
        entry = service.propose(self.session, self.keyring, self.calendar, self.principal, dept, proposal)
        self.created += 1
        if notify:
            delivered = min(recognised + dt.timedelta(days=notice_days), self.today)
            service.record_notice(self.session, self.calendar, self.principal, entry, delivered_on=delivered,
                                  notice_text=f"拟将你（单位）列入{entry.list_type.name}。事由：{facts}"
                                              "如有异议，请在异议期内向认定部门提出陈述、申辩。")
        if approve:
            service.approve(self.session, self.principal, entry, today=self.today)
        return entry

    def number(self, dept: Department, days_ago: int) -> str:
        """A decision number in the department's style."""
        year = (self.today - dt.timedelta(days=days_ago)).year
        return f"{dept.name[:2]}罚〔{year}〕{self.rng.randrange(10, 999)}号"

    def city(self, depts: list[Department], orgs: list[Org], persons: list[Person]) -> None:
        """Black, watch and person entries recognised by one city's departments."""
        market = _dept(depts, "市场监督管理局")
        safety, wages = _dept(depts, "应急管理局"), _dept(depts, "人力资源和社会保障局")
        for code, dept in (("market_serious_violation", market), ("market_serious_violation", market),
                           ("food_drug_serious", market), ("safety_serious", safety)):
            if not orgs:
                return
            _, org = orgs.pop()
            days = self.rng.randrange(60, 700)
            facts = (f"经查，该单位{self.rng.choice(FACTS[code])}，受到较重行政处罚（{self.number(dept, days)}），"
                     f"情节严重，依法认定为严重失信主体。")
            self.entry(dept, code, SubjectRef(code=org.uscc), facts, days)
        if persons:
            _, person = persons.pop()
            amount = self.rng.randrange(20, 160)
            self.entry(wages, "wage_arrears_black",
                       SubjectRef(document_type=DocumentType.RESIDENT_ID.value, document_number=person.id_number),
                       f"当事人作为劳务分包负责人，拖欠{self.rng.randrange(8, 60)}名农民工工资共计{amount}万元，"
                       "经责令限期支付逾期仍未支付，达到拒不支付劳动报酬罪数额标准。", self.rng.randrange(60, 400))
        if orgs:
            _, org = orgs.pop()  # recognised almost a year ago: appears in the console's near-expiry list
            self.entry(market, "market_watch", SubjectRef(code=org.uscc), FACTS["market_watch"][0],
                       365 - self.rng.randrange(5, 25))

    def tax(self, bureau: Department, orgs: list[Org]) -> None:
        """Red entries of the tax bureau, and one black entry that removes a red one (cross-check)."""
        reds = []
        for _ in range(min(5, len(orgs))):
            _, org = orgs.pop()
            year = self.today.year - 1
            reds.append(self.entry(bureau, "tax_a_grade", SubjectRef(code=org.uscc),
                                   f"{year}年度纳税信用评价为A级。", self.rng.randrange(30, 200), notify=False))
        if reds:
            self.entry(bureau, "tax_major_violation", SubjectRef(code=reds[-1].subject_code),
                       f"经查，该企业通过虚开增值税专用发票等手段少缴税款{self.rng.randrange(100, 900)}万元，"
                       "欠缴税款金额100万元以上。", 20)

    def pending(self, market: Department, orgs: list[Org]) -> None:
        """Proposals waiting in the console: not yet notified, in the objection window, ready for approval."""
        for notify, notice_days, days in ((False, 0, 3), (True, 2, 3), (True, 1, 14)):
            if not orgs:
                return
            _, org = orgs.pop()
            facts = (f"经查，该单位{self.rng.choice(FACTS['market_serious_violation'])}，"
                     f"受到较重行政处罚（{self.number(market, days)}）。")
            self.entry(market, "market_serious_violation", SubjectRef(code=org.uscc), facts, days,
                       notify=notify, approve=False, notice_days=notice_days)


def _dept(depts: list[Department], suffix: str) -> Department:
    return next(d for d in depts if d.name.endswith(suffix))


def create_demo_lists(session: Session, keyring: Keyring, gen: DemoGenerator, departments: dict[str, list[Department]],
                      organisations: list[Org], persons: list[Person], principal: Principal, today: dt.date) -> int:
    """Grant types to the demo departments and create a few dozen entries; returns how many."""
    bureau = departments_service.add_department(session, uscc=gen.uscc("11", "350600"), name=TAX_BUREAU, actor="demo")
    for depts in [*departments.values(), [bureau]]:
        for dept in depts:
            suffix = next((s for s in GRANTS if dept.name.endswith(s)), None)
            for code in GRANTS.get(suffix, ()):
                service.grant(session, service.get_list_type(session, code), dept, actor="demo")
    demo = DemoLists(session, keyring, principal, today, gen.rng.randrange(1 << 30))
    city_of_region = {d[0]: c.code for c in pools.CITIES for d in c.districts}
    orgs: dict[str, list[Org]] = {}
    people: dict[str, list[Person]] = {}
    for item in organisations:
        orgs.setdefault(city_of_region[item[1].region_code], []).append(item)
    for item in persons:
        people.setdefault(city_of_region[item[1].region_code], []).append(item)
    for pool in (*orgs.values(), *people.values()):
        demo.rng.shuffle(pool)
    for city, depts in departments.items():
        demo.city(depts, orgs.get(city, []), people.get(city, []))
    zhangzhou = orgs.get("350600", [])
    demo.tax(bureau, zhangzhou)
    demo.pending(_dept(departments["350600"], "市场监督管理局"), zhangzhou)
    _exits(session, principal, departments)
    return demo.created


def _exits(session: Session, principal: Principal, departments: dict[str, list[Department]]) -> None:
    """Two black entries leave early, with their exit announcements."""
    from xinyong.lists.repository import entries_by_status
    from xinyong.lists.states import EntryStatus

    market_ids = {d.id for depts in departments.values() for d in depts if d.name.endswith("市场监督管理局")}
    live = [e for e in entries_by_status(session, [EntryStatus.EFFECTIVE])
            if e.department_id in market_ids and e.list_type.code == "market_serious_violation"]
    for entry, reason, note in zip(live[::3], (ExitReason.REPAIRED, ExitReason.CORRECTED), (
            "已履行行政处罚决定，主动消除危害后果和不良影响，列入满1年后申请提前移出，经认定部门核实同意。",
            "经异议核实，据以认定的行政处罚决定已被依法变更，不再符合列入条件。"), strict=False):
        exits.exit_by(session, principal, entry, reason, note)
