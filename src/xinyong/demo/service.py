"""Writing the demo data set in bulk (used by `xinyong demo` and `xinyong serve --demo`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.accounts import service as accounts
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.codes import DocumentType
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.demo import pools
from xinyong.demo.generator import DemoGenerator, DemoOrganisation, DemoPerson
from xinyong.departments import service as departments_service
from xinyong.departments.models import Department
from xinyong.errors import Conflict, InvalidInput
from xinyong.subjects.models import OccupationalGroup, Subject, SubjectOccupation
from xinyong.subjects.search_terms import rows_of, write_terms
from xinyong.subjects.service import DOCUMENT_PURPOSE
from xinyong.subjects.states import SubjectKind
from xinyong.system.models import SystemValue

DEMO_MARKER = "demo_seed"
DEMO_PRINCIPAL = Principal("demo", 0, "演示数据", Role.CREDIT_OFFICE_ADMIN, None)
DEMO_PASSWORD = "xinyong-demo-2026"
BATCH = 5_000
Progress = Callable[[int], None]


@dataclass
class DemoSummary:
    """What the demo run created."""

    departments: int = 0
    organisations: int = 0
    persons: int = 0
    licences: int = 0
    penalties: int = 0
    list_entries: int = 0


def _next_id(session: Session, model: type) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _fix_sequences(session: Session) -> None:
    # Rows were inserted with explicit ids; PostgreSQL's sequences must catch up.
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("subject", "subject_occupation"):
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        ))


class DemoWriter:
    """Generates and inserts the demo data set in batches."""

    def __init__(self, session: Session, keyring: Keyring, seed: int, progress: Progress | None = None) -> None:
        self.session = session
        self.keyring = keyring
        self.gen = DemoGenerator(seed)
        self.seed = seed
        self.progress = progress or (lambda n: None)
        self.now = utcnow()
        self.summary = DemoSummary()
        self._rows: list[dict[str, object]] = []

    def run(self, subjects: int) -> DemoSummary:
        """Create departments, users, subjects, tags, licences and penalties."""
        if self.session.get(SystemValue, DEMO_MARKER) is not None:
            raise Conflict("演示数据已经生成过。如需重新生成，请删除数据库文件（或使用新的空数据库）后重试。")
        self.session.add(SystemValue(name=DEMO_MARKER, value=str(self.seed).encode()))
        departments = self._departments()
        self._users(departments)
        persons, organisations = self._subjects(subjects)
        _fix_sequences(self.session)
        self._records(departments, organisations, persons)
        from xinyong.demo.lists import create_demo_lists

        self.summary.list_entries = create_demo_lists(self.session, self.keyring, self.gen, departments, organisations,
                                                      persons, DEMO_PRINCIPAL, self.now.date())
        self.session.flush()
        return self.summary

    def _departments(self) -> dict[str, list[Department]]:
        by_city: dict[str, list[Department]] = {}
        for city, uscc, name, _group in self.gen.departments():
            dept = departments_service.add_department(self.session, uscc=uscc, name=name, actor="demo")
            by_city.setdefault(city.code, []).append(dept)
            self.summary.departments += 1
        return by_city

    def _users(self, departments: dict[str, list[Department]]) -> None:
        accounts.create_user(self.session, username="admin", display_name="信用办管理员（演示）",
                             password=DEMO_PASSWORD, role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="demo")
        market = next(d for d in departments["350600"] if d.name.endswith("市场监督管理局"))
        accounts.create_user(self.session, username="zz-scjg", display_name="漳州市监局经办人（演示）",
                             password=DEMO_PASSWORD, role=Role.DEPARTMENT_CLERK, department=market, actor="demo")

    def _flush_rows(self, model: type, force: bool = False) -> None:
        if self._rows and (force or len(self._rows) >= BATCH):
            self.session.connection().execute(insert(model.__table__), self._rows)
            if model is Subject:
                write_terms(self.session, rows_of(
                    (r["id"], r["name"], r["name_initials"], r.get("uscc"), r["kind"]) for r in self._rows))
            self.progress(len(self._rows) if model is Subject else 0)
            self._rows = []

    def _subjects(self, total: int) -> tuple[list[tuple[int, DemoPerson]], list[tuple[int, DemoOrganisation]]]:
        n_persons = max(1, total * 35 // 100)
        n_shops = total * 15 // 100
        n_companies = max(0, total - n_persons - n_shops)
        next_id = _next_id(self.session, Subject)
        persons: list[tuple[int, DemoPerson]] = []
        for i in range(n_persons):
            city = pools.CITIES[i % len(pools.CITIES)]
            p = self.gen.person(city)
            persons.append((next_id, p))
            self._rows.append(self._person_row(next_id, p))
            next_id += 1
            self._flush_rows(Subject)
        self._flush_rows(Subject, force=True)
        self._tags(persons)
        organisations: list[tuple[int, DemoOrganisation]] = []
        for i in range(n_companies + n_shops):
            city = pools.CITIES[i % len(pools.CITIES)]
            rep_index = self.gen.rng.randrange(len(persons))
            org = self.gen.shop(city, persons[rep_index][1]) if i >= n_companies else self.gen.company(city)
            org.representative = rep_index
            organisations.append((next_id, org))
            self._rows.append(self._org_row(next_id, org, persons[rep_index][0]))
            next_id += 1
            self._flush_rows(Subject)
        self._flush_rows(Subject, force=True)
        self.summary.persons, self.summary.organisations = len(persons), len(organisations)
        return persons, organisations

    def _person_row(self, subject_id: int, p: DemoPerson) -> dict[str, object]:
        return {
            "id": subject_id, "kind": SubjectKind.NATURAL_PERSON.value, "name": p.name, "name_initials": p.initials,
            "region_code": p.region_code, "is_agency": False, "document_type": DocumentType.RESIDENT_ID.value,
            "document_cipher": self.keyring.encrypt(p.id_number, DOCUMENT_PURPOSE),
            "document_hash": self.keyring.lookup_hash(p.id_number, f"{DOCUMENT_PURPOSE}:{DocumentType.RESIDENT_ID.value}"),
            "document_masked": masking.mask_id_number(p.id_number), "created_at": self.now, "updated_at": self.now,
        }

    def _org_row(self, subject_id: int, org: DemoOrganisation, rep_id: int) -> dict[str, object]:
        kind = SubjectKind.INDIVIDUAL_BUSINESS if org.kind_prefix == "92" else SubjectKind.LEGAL_PERSON
        return {
            "id": subject_id, "kind": kind.value, "name": org.name, "name_initials": org.initials, "uscc": org.uscc,
            "region_code": org.region_code, "address": org.address, "registered_on": org.registered_on,
            "is_agency": False, "legal_representative_id": rep_id, "created_at": self.now, "updated_at": self.now,
        }

    def _tags(self, persons: list[tuple[int, DemoPerson]]) -> None:
        groups = self.session.scalars(select(OccupationalGroup).order_by(OccupationalGroup.no)).all()
        if not groups:
            return
        next_id = _next_id(self.session, SubjectOccupation)
        for subject_id, _p in persons:
            if self.gen.rng.random() < 0.08:
                self._rows.append({"id": next_id, "subject_id": subject_id,
                                   "group_id": self.gen.rng.choice(groups).id, "tagged_on": None})
                next_id += 1
                self._flush_rows(SubjectOccupation)
        self._flush_rows(SubjectOccupation, force=True)

    def _records(self, departments: dict[str, list[Department]], organisations: list[tuple[int, DemoOrganisation]],
                 persons: list[tuple[int, DemoPerson]]) -> None:
        """Licences and penalties go through the real collection pipeline, one batch per department and type."""
        from xinyong.demo.records import licence_row, penalty_row
        from xinyong.records.batches import BatchRequest, definition_of, run_batch
        from xinyong.records.readers import open_rows
        from xinyong.records.states import Channel

        definitions = {code: definition_of(self.session, code)[1] for code in ("xzxk", "xzcf")}
        city_of_region = {d[0]: c.code for c in pools.CITIES for d in c.districts}
        pending: dict[tuple[int, str], tuple[Department, list[dict[str, object]]]] = {}
        for _subject_id, org in organisations:
            depts = departments[city_of_region[org.region_code]]
            rep = persons[org.representative or 0][1]
            for maker, share, code in ((licence_row, 0.15, "xzxk"), (penalty_row, 0.08, "xzcf")):
                if self.gen.rng.random() >= share:
                    continue
                dept, data = maker(self.gen, org, rep, depts, self.now.date())
                pending.setdefault((dept.id, code), (dept, []))[1].append(data)
        for (_dept_id, code), (dept, rows) in sorted(pending.items(), key=lambda item: item[0]):
            request = BatchRequest(code, dept, DEMO_PRINCIPAL, Channel.CLI, "演示数据")
            batch = run_batch(self.session, self.keyring, request, open_rows(rows, definitions[code]),
                              today=self.now.date())
            if code == "xzxk":
                self.summary.licences += batch.accepted
            else:
                self.summary.penalties += batch.accepted


def generate_demo(session: Session, keyring: Keyring, *, subjects: int, seed: int,
                  progress: Progress | None = None) -> DemoSummary:
    """Create the deterministic demo data set in the given unit of work."""
    if subjects < 10:
        raise InvalidInput("演示主体数量至少为10")
    return DemoWriter(session, keyring, seed, progress).run(subjects)

