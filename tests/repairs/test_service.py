"""Submitting an application: eligibility by rule, earliest date, exclusions, double submission, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from tests.attachments.samples import png_bytes
from tests.factories import company
from tests.lists.test_tasks import listed
from tests.records.builders import department, penalty, person_id, submit
from tests.repairs.builders import (
    CAL,
    DECIDED,
    TODAY,
    apply,
    black_entry,
    entry_application,
    penalised,
    record_application,
)
from xinyong import masking
from xinyong.attachments.errors import UploadRejected
from xinyong.attachments.models import Attachment
from xinyong.lists.definitions import ListKind
from xinyong.lists.models import ListType
from xinyong.records.models import CreditRecord
from xinyong.repairs.eligibility import Target, judge
from xinyong.repairs.errors import DuplicateRepair, InvalidRepair, NotEligible, RepairNotFound, RepairTargetNotFound
from xinyong.repairs.models import RepairApplication
from xinyong.repairs.rules import rule_set_on
from xinyong.repairs.schemas import RepairIn
from xinyong.repairs.service import find_tracked
from xinyong.repairs.states import RepairStatus, TargetKind



def applications(session) -> int:
    return session.scalar(select(func.count()).select_from(RepairApplication))


def test_eligible_record_application_is_stored_with_rule_deadlines_and_evidence(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    app = apply(session, keyring, settings, record_application(record, subject))
    assert app.status is RepairStatus.SUBMITTED
    assert app.severity == "一般" and app.earliest_on == dt.date(2026, 9, 1)
    assert app.rule_effective_on == dt.date(2026, 4, 1) and "2025年第36号" in app.rule_citation
    assert app.accept_due_on == CAL.add_working_days(TODAY, 3) == dt.date(2026, 12, 10)
    assert app.decide_due_on == CAL.add_working_days(TODAY, 10) == dt.date(2026, 12, 21)
    assert app.commitment_text.startswith("本人（本单位）郑重承诺")
    assert app.id_tail == subject.uscc[-4:]
    stored = session.scalars(select(Attachment).where(Attachment.owner_type == "repair_application",
                                                      Attachment.owner_id == str(app.id))).all()
    assert [a.filename for a in stored] == ["缴款凭证.pdf"]


def test_before_the_minimum_period_the_refusal_names_the_earliest_date(session, keyring, settings):
    _, subject, record = penalised(session, keyring, decided=dt.date(2026, 10, 31))
    with pytest.raises(NotEligible) as err:
        apply(session, keyring, settings, record_application(record, subject), on=dt.date(2027, 1, 30))
    assert "最早可于 2027-01-31 申请" in err.value.message  # 10-31 + 3 months, clamped to the month's end
    assert applications(session) == 0


def test_serious_record_needs_twelve_months(session, keyring, settings):
    _, subject, record = penalised(session, keyring, category="责令停产停业", decided=dt.date(2026, 3, 2))
    with pytest.raises(NotEligible) as err:
        apply(session, keyring, settings, record_application(record, subject))
    assert "严重" in err.value.message and "最早可于 2027-03-02 申请" in err.value.message
    app = apply(session, keyring, settings, record_application(record, subject), on=dt.date(2027, 3, 2))
    assert app.earliest_on == dt.date(2027, 3, 2)


def test_minor_record_is_not_published_and_needs_no_repair(session, keyring, settings):
    _, subject, record = penalised(session, keyring, category="警告")
    with pytest.raises(NotEligible) as err:
        apply(session, keyring, settings, record_application(record, subject))
    assert "无需申请信用修复" in err.value.message


def test_excluded_record_type_is_refused_with_its_article(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    target = Target(TargetKind.RECORD, subject, record.department_id, "严重", DECIDED, "失信被执行人 (2026)闽0602执1号",
                    "r:x", record_type_code="sxbzxr")
    with pytest.raises(NotEligible) as err:
        judge(rule_set_on(TODAY), target, record_application(record, subject), TODAY)
    assert "人民法院" in err.value.message and "信用修复管理办法" in err.value.message


def test_double_submission_does_not_create_a_second_application(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    first = apply(session, keyring, settings, record_application(record, subject))
    with pytest.raises(DuplicateRepair):
        apply(session, keyring, settings, record_application(record, subject))
    assert applications(session) == 1 and first.open_key is not None


def test_unknown_record_and_someone_elses_record_are_not_found(session, keyring, settings):
    dept, subject, record = penalised(session, keyring)
    with pytest.raises(RepairTargetNotFound):
        apply(session, keyring, settings, record_application(record, subject, decision_number="不存在〔2026〕1号"))
    _, other, _ = penalised(session, keyring, name="漳州市另一家食品有限公司", dept=dept)
    with pytest.raises(RepairTargetNotFound):
        apply(session, keyring, settings, record_application(record, other))


def test_commitment_must_be_accepted_and_evidence_given(session, keyring, settings):
    _, subject, record = penalised(session, keyring)
    with pytest.raises(InvalidRepair, match="信用承诺书"):
        apply(session, keyring, settings, record_application(record, subject, accept_commitment=False))
    with pytest.raises(InvalidRepair, match="证明材料"):
        apply(session, keyring, settings, record_application(record, subject), files=[])
    assert applications(session) == 0


@pytest.mark.parametrize("content, name, problem", [
    (b"MZ\x90\x00" + b"\x00" * 100, "证明.pdf", "exe disguised as pdf"),
    (b"<html><script>alert(1)</script></html>", "证明.html", "html"),
    (png_bytes() + b"\x00" * (2 << 20), "照片.png", "too large"),
])
def test_bad_uploads_refuse_the_whole_application(session, keyring, settings, content, name, problem):
    small = settings.model_copy(update={"attachment_max_mb": 1})
    _, subject, record = penalised(session, keyring)
    with pytest.raises(UploadRejected):
        with session.begin_nested():
            apply(session, keyring, small, record_application(record, subject), files=[(name, content)])
    assert applications(session) == 0


@pytest.mark.parametrize("field, value", [
    ("statement", "说" * 2001), ("contact_name", "名" * 51), ("decision_number", "号" * 129),
    ("contact_phone", "call me maybe"), ("subject_code", "9" * 19), ("statement", ""),
])
def test_over_long_and_malformed_fields_are_refused_by_the_schema(field, value):
    base = {"subject_code": "91350602MA2XXXXX0X", "target_kind": "record", "decision_number": "漳市监罚〔2026〕1号",
            "contact_name": "王", "contact_phone": "13800000000", "statement": "已纠正", "accept_commitment": True}
    with pytest.raises(ValidationError):
        RepairIn.model_validate({**base, field: value})


def test_person_applies_by_document_number_and_it_is_never_stored(session, keyring, settings):
    number = person_id()
    dept = department(session)
    batch = submit(session, keyring, dept, [penalty(dept, name="张三丰", person_id=number, decided=DECIDED)],
                   today=DECIDED + dt.timedelta(days=1), calendar=CAL)
    assert batch.accepted == 1
    record = session.scalars(select(CreditRecord).where(CreditRecord.batch_id == batch.id)).one()
    body = RepairIn(document_type="居民身份证", document_number=number, target_kind=TargetKind.RECORD,
                    decision_number=record.document_number, contact_name="张三丰", contact_phone="13800000000",
                    statement="已缴清罚款。", accept_commitment=True)
    app = apply(session, keyring, settings, body)
    assert app.subject_name == masking.mask_name("张三丰") != "张三丰" and app.id_tail == number[-4:]
    stored = " ".join(str(v) for v in vars(app).values())
    assert number not in stored
    assert find_tracked(session, app.tracking_code, number).id == app.id
    with pytest.raises(RepairNotFound):
        find_tracked(session, app.tracking_code, "0000" if number[-4:] != "0000" else "1111")


def test_black_entry_is_repairable_where_its_type_allows(session, keyring, settings):
    _, subject, entry = black_entry(session, keyring)
    app = apply(session, keyring, settings, entry_application(entry, subject))
    assert app.severity == "严重" and app.earliest_on == dt.date(2026, 6, 2)


def test_black_entry_of_a_type_without_repair_is_refused(session, keyring, settings):
    _, subject, entry = black_entry(session, keyring, code="statistics_serious")
    with pytest.raises(NotEligible, match="退出条件"):
        apply(session, keyring, settings, entry_application(entry, subject))


@pytest.mark.parametrize("code, kind, problem", [
    ("tax_a_grade", "红名单", "不是失信信息"), ("market_watch", "重点关注名单", "退出条件"),
])
def test_red_and_watch_entries_without_repair_are_refused(session, keyring, settings, code, kind, problem):
    subject = company(session, "漳州市名单示例有限公司")
    entry = listed(session, code, subject, department(session), dt.date(2025, 1, 6))
    assert entry.list_type.kind.value == kind
    with pytest.raises(NotEligible, match=problem):
        apply(session, keyring, settings, entry_application(entry, subject))


def test_warning_entries_are_derived_and_not_repaired_on_their_own(session, keyring, settings):
    subject = company(session, "漳州市预警示例有限公司")
    warning = session.scalar(select(ListType.code).where(ListType.kind == ListKind.WARNING))
    entry = listed(session, warning, subject, department(session), dt.date(2025, 1, 6))
    with pytest.raises(NotEligible, match="自动派生"):
        apply(session, keyring, settings, entry_application(entry, subject))
