"""Filing an objection: marks at once, suspends black entries, routes, refuses bad input, never files twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.attachments.samples import pdf_bytes
from tests.factories import make_resident_id
from tests.objections.builders import TODAY, black_entry, file, payload, public_penalty, upload_settings
from tests.records.builders import clerk_of, department
from xinyong.attachments import repository as attachments
from xinyong.attachments.errors import UploadRejected
from xinyong.codes import CodeError
from xinyong.lists.states import EntryStatus
from xinyong.objections.errors import InvalidObjection, ObjectionNotFound, ObjectionTargetNotFound
from xinyong.objections.models import Objection
from xinyong.objections.states import ApplicantKind, ObjectionStatus
from xinyong.objections.submission import Evidence, find_for_applicant
from xinyong.records.models import CreditRecord


def test_record_objection_marks_the_record_and_routes_to_its_department(session: Session, keyring, settings,
                                                                       tmp_path) -> None:
    dept, record = public_penalty(session, keyring)
    filing = file(session, keyring, upload_settings(settings, tmp_path), payload(record=record),
                  evidence=[Evidence("复议决定书.pdf", pdf_bytes())])
    objection = filing.objection
    assert not filing.existing and objection.status is ObjectionStatus.SUBMITTED
    assert objection.department_id == dept.id and objection.subject_id == record.subject_id
    assert record.under_objection is True
    assert objection.accept_due_on > TODAY and objection.decide_due_on > objection.accept_due_on
    assert objection.applicant_id_tail == record.subject.uscc[-4:]
    files = attachments.attachments_of(session, "objection", objection.id)
    assert [f.filename for f in files] == ["复议决定书.pdf"]


def test_black_entry_is_suspended_other_entries_only_marked(session: Session, keyring, settings) -> None:
    dept, black = black_entry(session)
    _, red = black_entry(session, dept, code="tax_a_grade", name="漳州市守信测试有限公司")
    file(session, keyring, settings, payload(entry=black))
    file(session, keyring, settings, payload(entry=red))
    assert black.status is EntryStatus.SUSPENDED and black.under_objection
    assert red.status is EntryStatus.EFFECTIVE and red.under_objection


def test_double_submission_returns_the_same_application(session: Session, keyring, settings) -> None:
    _, record = public_penalty(session, keyring)
    first = file(session, keyring, settings, payload(record=record))
    again = file(session, keyring, settings, payload(record=record, claim="再次提交"))
    assert again.existing and again.objection.id == first.objection.id
    assert session.scalar(select(func.count()).select_from(Objection)) == 1


def test_person_subject_is_recognised_by_its_id_number(session: Session, keyring, settings, tmp_path) -> None:
    settings = upload_settings(settings, tmp_path)
    number = make_resident_id("350602", "19850612")
    dept = department(session)
    _, record = public_penalty(session, keyring, dept, person_id=number, name="张小明")
    filing = file(session, keyring, settings, payload(record=record, applicant_name="张小明",
                                                      applicant_document_type="居民身份证", document=number))
    stored = filing.objection
    assert stored.applicant_document_masked == number[:4] + "*" * 10 + number[-4:]
    assert number not in {stored.applicant_document_hash, stored.applicant_document_masked}
    with pytest.raises(InvalidObjection, match="主体不一致"):
        file(session, keyring, settings, payload(record=record, applicant_name="李四", applicant_document_type="居民身份证",
                                                 document=make_resident_id("350602", "19700101")))
    other = make_resident_id("350602", "19700101")
    as_agent = payload(record=record, applicant_kind="agent", applicant_name="李四", applicant_document_type="居民身份证",
                       document=other)
    with pytest.raises(InvalidObjection, match="授权委托书"):
        file(session, keyring, settings, as_agent)
    agent = file(session, keyring, settings, as_agent, evidence=[Evidence("授权委托书.pdf", pdf_bytes())])
    assert agent.objection.applicant_kind is ApplicantKind.AGENT and agent.objection.id != stored.id


def test_department_raises_one_while_applying_measures(session: Session, keyring, settings) -> None:
    _, entry = black_entry(session)
    finder = department(session, "漳州市财政局")
    filing = file(session, keyring, settings, payload(entry=entry, contact_phone="", applicant_name=""),
                  principal=clerk_of(finder))
    objection = filing.objection
    assert objection.applicant_kind is ApplicantKind.DEPARTMENT and objection.applicant_name == "漳州市财政局"
    assert objection.department_id == entry.department_id and objection.submitted_by.startswith("user:")


def test_record_that_does_not_exist_or_is_not_public_is_refused(session: Session, keyring, settings) -> None:
    with pytest.raises(ObjectionTargetNotFound, match="不存在或未在公示"):
        file(session, keyring, settings, payload(record=None, entry=None, record_id=999_999, document="91350602MA2Y0000X0"))
    _, record = public_penalty(session, keyring, category="警告")  # 轻微: never published
    assert session.get(CreditRecord, record.id).publish_from is None or record.publish_until < TODAY \
        or record.publish_from > TODAY
    with pytest.raises(ObjectionTargetNotFound):
        file(session, keyring, settings, payload(record=record))
    _, entry = black_entry(session)
    entry.status = EntryStatus.EXITED
    with pytest.raises(ObjectionTargetNotFound, match="名单条目"):
        file(session, keyring, settings, payload(entry=entry))


@pytest.mark.parametrize(("fields", "message"), [
    ({"claim": "异" * 2001}, "异议事实和理由不能超过 2000 字"),
    ({"claim": "   "}, "请填写异议事实和理由"),
    ({"applicant_name": "名" * 101}, "申请人姓名或名称不能超过 100 字"),
    ({"contact_address": "址" * 201}, "联系地址不能超过 200 字"),
    ({"request_text": "请" * 1001}, "请求更正的内容不能超过 1000 字"),
    ({"contact_phone": "1" * 21}, "联系电话不能超过 20 字"),
    ({"contact_phone": "<script>"}, "联系电话格式不正确"),
    ({"applicant_kind": "boss"}, "申请人类别"),
    ({"applicant_document_type": "军官证"}, "证件类型“军官证”无效"),
])
def test_bad_fields_are_refused_in_chinese(session: Session, keyring, settings, fields, message) -> None:
    _, record = public_penalty(session, keyring)
    with pytest.raises(InvalidObjection, match=message):
        file(session, keyring, settings, payload(record=record, **fields))
    assert record.under_objection is False


def test_bad_codes_and_both_or_no_target(session: Session, keyring, settings) -> None:
    _, record = public_penalty(session, keyring)
    with pytest.raises(CodeError):
        file(session, keyring, settings, payload(record=record, document="91350602MA2Y0000X1"))
    _, entry = black_entry(session)
    with pytest.raises(InvalidObjection, match="二选一"):
        file(session, keyring, settings, payload(record=record, entry=entry))


def test_bad_upload_refuses_the_whole_objection_and_writes_nothing(session: Session, keyring, settings,
                                                                   tmp_path) -> None:
    _, record = public_penalty(session, keyring)
    local = upload_settings(settings, tmp_path)
    with pytest.raises(UploadRejected, match="可执行程序"):
        file(session, keyring, local, payload(record=record),
             evidence=[Evidence("好.pdf", pdf_bytes()), Evidence("坏.pdf", b"MZ" + b"\0" * 100)])
    assert not (tmp_path / "files").exists()
    with pytest.raises(InvalidObjection, match="至多 5 个"):
        file(session, keyring, local, payload(record=record), evidence=[Evidence("a.pdf", pdf_bytes())] * 6)


def test_status_lookup_needs_code_and_id_tail(session: Session, keyring, settings) -> None:
    _, record = public_penalty(session, keyring)
    objection = file(session, keyring, settings, payload(record=record)).objection
    tail = record.subject.uscc[-4:]
    assert find_for_applicant(session, objection.tracking_code.lower(), tail.lower()) is objection
    for code, given in ((objection.tracking_code, "0000"), ("YY-20260101-AAAAAAAA", tail), ("", "")):
        with pytest.raises(ObjectionNotFound, match="查询码或证件号码后四位不正确"):
            find_for_applicant(session, code, given)


def test_unpublished_list_types_only_for_departments(session: Session, keyring, settings) -> None:
    dept, watch = black_entry(session, code="market_watch", name="漳州市关注测试有限公司")
    with pytest.raises(ObjectionTargetNotFound):
        file(session, keyring, settings, payload(entry=watch))
    finder = department(session, "漳州市财政局")
    filing = file(session, keyring, settings, payload(entry=watch), principal=clerk_of(finder))
    assert filing.objection.department_id == dept.id and watch.under_objection
    assert watch.status is EntryStatus.EFFECTIVE  # only black entries are suspended
