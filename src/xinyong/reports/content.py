"""What a public credit report says about a subject: gathered once, masked, independent of the PDF layout."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.codes import region_name
from xinyong.lists import publication as lists_publication
from xinyong.lists import views as lists_views
from xinyong.records import repository as records_repository
from xinyong.records.service import summary_of
from xinyong.repairs.states import REPAIR_LABELS
from xinyong.reports import repository
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")
RECORD_LIMIT = 5000  # far above any real subject; the report says so if it is ever reached
LICENCE, PENALTY = "xzxk", "xzcf"
NONE_TEXT = "无"


@dataclass(frozen=True)
class Table:
    """One section's rows under its column headings; an empty table prints as 无."""

    headings: tuple[str, ...]
    widths: tuple[float, ...]  # fractions of the page width
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    """A numbered section of the report."""

    title: str
    table: Table | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str | None = None


@dataclass(frozen=True)
class ReportContent:
    """Everything printed in a report except its number, code and QR code."""

    subject_name: str
    subject_code: str
    cutoff: dt.datetime
    sections: list[Section]


def local_time(moment: dt.datetime) -> str:
    """Beijing time as printed on reports."""
    return moment.astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M:%S")


def _is_person(subject: Subject) -> bool:
    return subject.kind == SubjectKind.NATURAL_PERSON


def public_name(subject: Subject) -> str:
    """Name as the public edition prints it."""
    return masking.mask_name(subject.name) if _is_person(subject) else subject.name


def public_code(subject: Subject) -> str:
    """USCC, or a person's masked document number."""
    return subject.uscc or subject.document_masked or "—"


def _basic(subject: Subject) -> Section:
    rep = subject.legal_representative
    person = _is_person(subject)
    facts = [("名称" if not person else "姓名", public_name(subject)), ("主体类别", str(subject.kind))]
    if person:
        facts.append((f"证件号码（{subject.document_type or '身份证件'}）", subject.document_masked or "—"))
    else:
        facts.append(("统一社会信用代码", subject.uscc or "—"))
        facts.append(("法定代表人（负责人）", masking.mask_name(rep.name) if rep is not None else "—"))
        facts.append(("成立日期", subject.registered_on.isoformat() if subject.registered_on else "—"))
        if subject.lei:
            facts.append(("法人机构识别编码（LEI）", subject.lei))
    region = region_name(subject.region_code) if subject.region_code else None
    facts.append(("所在地", region or subject.region_code or "—"))
    address = masking.mask_address(subject.address) if person else subject.address
    facts.append(("住所", address or "—"))
    return Section("一、基本信息", facts=facts)


def _record_sections(session: Session, subject: Subject, today: dt.date) -> list[Section]:
    records = records_repository.public_for_subject(session, subject.id, today, limit=RECORD_LIMIT)
    by_code: dict[str, list] = {LICENCE: [], PENALTY: []}
    others = []
    for r in records:
        by_code.get(r.record_type.code, others).append(r)
    note = f"记录较多，仅列出最近 {RECORD_LIMIT} 条。" if len(records) >= RECORD_LIMIT else None
    widths = (0.26, 0.40, 0.13, 0.21)

    def rows(items: list) -> list[tuple[str, ...]]:
        return [(r.document_number, summary_of(r) or "—", r.decision_on.isoformat(), r.department.name) for r in items]

    sections = [
        Section("二、行政许可信息", Table(("决定文书号", "许可内容", "决定日期", "许可机关"), widths, rows(by_code[LICENCE])),
                note=note),
        Section("三、行政处罚信息", Table(("决定文书号", "处罚内容", "决定日期", "处罚机关"), widths, rows(by_code[PENALTY])),
                note=note),
    ]
    other_rows = [(r.record_type.name, *row) for r, row in zip(others, rows(others), strict=True)]
    sections.append(Section("四、其他公示信息", Table(("类别", "决定文书号", "内容", "决定日期", "决定部门"),
                                                 (0.14, 0.22, 0.32, 0.13, 0.19), other_rows)))
    return sections


def _lists(session: Session, subject: Subject, today: dt.date) -> Section:
    entries = lists_views.public_entries(session, lists_publication.public_entries_of_subject(session, subject.id, today))
    rows = [(f"{e.kind}（{e.list_type_name}）", e.facts, e.recognising_department, e.recognised_on.isoformat(),
             e.valid_until.isoformat()) for e in entries]
    return Section("五、信用名单信息", Table(("名单", "列入事由", "认定部门", "认定日期", "有效期至"),
                                       (0.22, 0.36, 0.18, 0.12, 0.12), rows))


def _repairs(session: Session, subject: Subject) -> Section:
    rows = [(a.target_label, str(a.severity), local_time(a.decided_at)[:11] if a.decided_at else "—",
             REPAIR_LABELS.get(a.status, str(a.status)))
            for a in repository.approved_repairs(session, subject.id)]
    return Section("七、信用修复信息", Table(("修复对象", "失信程度", "修复决定日期", "状态"), (0.52, 0.14, 0.18, 0.16), rows),
                   note="经信用修复的信息已停止公示，不再列入上文各部分。")


def gather(session: Session, subject: Subject, cutoff: dt.datetime) -> ReportContent:
    """The public edition's content as of `cutoff`: only records and entries on public display that day."""
    today = cutoff.astimezone(BEIJING).date()
    sections = [_basic(subject), *_record_sections(session, subject, today), _lists(session, subject, today),
                Section("六、信用承诺信息", note="无（本平台暂未归集该主体的信用承诺信息）。"), _repairs(session, subject)]
    return ReportContent(public_name(subject), public_code(subject), cutoff, sections)
