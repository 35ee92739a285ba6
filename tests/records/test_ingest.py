"""The collection pipeline (归集) end to end on both databases: counts, provenance, versions, revocation,
department checks, subjects, personal data, deadlines, file formats and the error report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from tests.records.builders import (
    clerk_of,
    definition,
    department,
    penalty,
    person_id,
    submit,
    submit_file,
    weekends_calendar,
    write_csv,
)
from xinyong import masking
from xinyong.accounts.errors import NotAllowed
from xinyong.accounts.states import Role
from xinyong.crypto import Keyring
from xinyong.records import reports, repository
from xinyong.records.ingest import PRIVATE_PURPOSE
from xinyong.records.models import ChangeEvent, CreditRecord, ImportBatch, ImportRowError, SubjectNameReview
from xinyong.records.reports import ERROR_REPORT_HEADER
from xinyong.records.states import BatchStatus, RecordStatus
from xinyong.subjects.models import Subject
from xinyong.subjects.states import SubjectKind

TODAY = dt.date.today()


def _counts(batch: ImportBatch) -> dict[str, int]:
    return {k: getattr(batch, k) for k in ("received", "accepted", "updated", "unchanged", "revoked", "rejected")}


def _versions(session: Session, row: dict[str, str]) -> list[CreditRecord]:
    """Every stored version of the record with this 文书号, oldest first."""
    session.expire_all()
    return list(session.scalars(select(CreditRecord).where(CreditRecord.document_number == row["CF_WSH"])
                                .order_by(CreditRecord.version)))


def _errors(session: Session, batch: ImportBatch) -> list[ImportRowError]:
    return list(session.scalars(select(ImportRowError).where(ImportRowError.batch_id == batch.id)
                                .order_by(ImportRowError.row_number, ImportRowError.id)))


def _events(session: Session, since: int = 0) -> list[ChangeEvent]:
    return list(session.scalars(select(ChangeEvent).where(ChangeEvent.id > since).order_by(ChangeEvent.id)))


def _last_event(session: Session) -> int:
    return session.scalar(select(func.max(ChangeEvent.id))) or 0


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _subject(session: Session, uscc: str) -> Subject | None:
    return session.scalar(select(Subject).where(Subject.uscc == uscc))


# ------------------------------------------------------------------------- counts and provenance


def test_first_batch_counts_and_provenance_from_json_rows(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    rows = [penalty(dept), penalty(dept, name="漳州市安达物流有限公司"), penalty(dept, person_id=person_id(), name="李小龙")]
    before = _last_event(session)
    batch = submit(session, keyring, dept, rows)
    assert _counts(batch) == {"received": 3, "accepted": 3, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 0}
    assert batch.status == BatchStatus.COMMITTED and batch.finished_at is not None
    assert batch.submitted_by == clerk_of(dept).actor and batch.file_name == "api"
    for number, row in enumerate(rows, start=1):
        (record,) = _versions(session, row)
        assert record.batch_id == batch.id
        assert record.batch.file_name == "api"
        assert record.source_row == number  # the API's row number is the 1-based list index
        assert record.department_id == dept.id
        assert record.submitted_by == clerk_of(dept).actor
        assert record.received_at is not None
        assert abs(record.received_at - batch.received_at) < dt.timedelta(minutes=5)
        assert record.version == 1 and record.is_current and record.status == RecordStatus.EFFECTIVE
        assert record.withdrawn_at is None and record.supersedes_id is None
        assert record.decision_on == dt.date.fromisoformat(row["CF_JDRQ"])
    events = _events(session, before)
    assert [e.kind for e in events] == ["accepted"] * 3
    assert {e.record_id for e in events} == {r.id for row in rows for r in _versions(session, row)}


def test_csv_file_records_keep_file_name_and_source_line(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    dept = department(session)
    rows = [penalty(dept) for _ in range(3)]
    path = write_csv(tmp_path / "处罚2024年第3批.csv", rows)
    batch = submit_file(session, keyring, dept, path)
    assert _counts(batch)["accepted"] == 3
    assert batch.file_name == "处罚2024年第3批.csv" and batch.file_sha256 and len(batch.file_sha256) == 64
    assert batch.encoding and "utf" in batch.encoding.lower().replace("-", "")
    for line, row in enumerate(rows, start=2):  # the header is line 1
        (record,) = _versions(session, row)
        assert record.source_row == line
        assert record.batch.file_name == "处罚2024年第3批.csv"


def test_resending_the_same_rows_changes_nothing(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    dept = department(session)
    rows = [penalty(dept), penalty(dept, person_id=person_id(), name="王小明")]
    first = submit(session, keyring, dept, rows)
    records, subjects, events = _count(session, CreditRecord), _count(session, Subject), _last_event(session)
    again = submit(session, keyring, dept, [dict(r) for r in rows])
    assert _counts(again) == {"received": 2, "accepted": 0, "updated": 0, "unchanged": 2, "revoked": 0, "rejected": 0}
    # And once more as a file: same content, other channel, still nothing new.
    third = submit_file(session, keyring, dept, write_csv(tmp_path / "again.csv", rows))
    assert third.unchanged == 2 and third.accepted == third.updated == 0
    assert _count(session, CreditRecord) == records
    assert _count(session, Subject) == subjects
    assert _last_event(session) == events
    for row in rows:
        (record,) = _versions(session, row)
        assert record.batch_id == first.id  # provenance stays with the batch that brought it


def test_a_changed_row_becomes_a_new_version_and_the_old_one_is_kept(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = penalty(dept)
    submit(session, keyring, dept, [row])
    (old,) = _versions(session, row)
    subject = session.get(Subject, old.subject_id)
    assert [r.id for r in repository.public_for_subject(session, subject.id, TODAY)] == [old.id]
    before = _last_event(session)
    changed = dict(row, CF_NR="罚款人民币8,000元", CF_NR_FK="0.8")
    batch = submit(session, keyring, dept, [changed])
    assert _counts(batch) == {"received": 1, "accepted": 0, "updated": 1, "unchanged": 0, "revoked": 0, "rejected": 0}
    old, new = _versions(session, row)
    assert (old.version, new.version) == (1, 2)
    assert old.status == RecordStatus.SUPERSEDED and old.is_current is False and old.withdrawn_at is not None
    assert new.status == RecordStatus.EFFECTIVE and new.is_current is True and new.withdrawn_at is None
    assert new.supersedes_id == old.id and new.natural_key == old.natural_key
    assert new.data["CF_NR_FK"] == "0.8" and old.data["CF_NR_FK"] == "0.5"
    assert new.batch_id == batch.id and old.batch_id != batch.id
    assert [(e.kind, e.record_id, e.version) for e in _events(session, before)] == [("updated", new.id, 2)]
    assert [r.id for r in repository.public_for_subject(session, subject.id, TODAY)] == [new.id]
    # Sending the new content again is unchanged; sending the old one again is a third version.
    assert submit(session, keyring, dept, [changed]).unchanged == 1
    assert submit(session, keyring, dept, [row]).updated == 1
    assert [v.version for v in _versions(session, row)] == [1, 2, 3]
    assert sum(v.is_current for v in _versions(session, row)) == 1


# ------------------------------------------------------------------------- revocation (撤销)


def _assert_revoked(session: Session, row: dict[str, str], batch: ImportBatch, before: int) -> None:
    (record,) = _versions(session, row)
    assert batch.revoked == 1 and batch.rejected == 0 and batch.accepted == batch.updated == 0
    assert record.status == RecordStatus.REVOKED and record.withdrawn_at is not None
    assert record.is_current  # the record still shows when and why it left the portal
    assert repository.public_for_subject(session, record.subject_id, TODAY) == []
    _, listed = repository.list_published(session, record.record_type_id, TODAY, department_id=record.department_id)
    assert record.id not in {r.id for r in listed}
    assert [(e.kind, e.record_id) for e in _events(session, before)] == [("revoked", record.id)]


def test_revocation_by_czlx_code_withdraws_the_record_at_once(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row, other = penalty(dept), penalty(dept)
    submit(session, keyring, dept, [row, other])
    (record,) = _versions(session, row)
    assert repository.public_for_subject(session, record.subject_id, TODAY)
    before = _last_event(session)
    batch = submit(session, keyring, dept, [dict(row, CZLX="撤销")])
    _assert_revoked(session, row, batch, before)
    (untouched,) = _versions(session, other)
    assert untouched.status == RecordStatus.EFFECTIVE
    # Revoking it again is refused with a reason.
    again = submit(session, keyring, dept, [dict(row, CZLX="撤销")])
    assert again.rejected == 1 and again.revoked == 0
    assert "已撤销" in _errors(session, again)[0].reason


def test_revocation_by_chinese_label_column_in_a_csv(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    dept = department(session)
    row, keep = penalty(dept), penalty(dept)
    submit(session, keyring, dept, [row, keep])
    before = _last_event(session)
    revocation = dict(row, 操作类型="撤销")
    blank = dict(keep, 操作类型="")  # blank = 新增/变更, here unchanged
    batch = submit_file(session, keyring, dept, write_csv(tmp_path / "撤销.csv", [revocation, blank]))
    assert batch.unchanged == 1
    _assert_revoked(session, row, batch, before)


def test_revocation_needs_only_the_record_key(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = penalty(dept)
    submit(session, keyring, dept, [row])
    before = _last_event(session)
    minimal = {"CF_WSH": row["CF_WSH"], "CF_XDR_MC": row["CF_XDR_MC"], "CF_XDR_SHXYM": row["CF_XDR_SHXYM"],
               "CZLX": "撤销"}
    batch = submit(session, keyring, dept, [minimal])
    _assert_revoked(session, row, batch, before)


def test_revocation_of_a_person_record(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    pid = person_id()
    row = penalty(dept, person_id=pid, name="赵六")
    submit(session, keyring, dept, [row])
    before = _last_event(session)
    batch = submit(session, keyring, dept, [{"CF_WSH": row["CF_WSH"], "CF_XDR_MC": "赵六", "CF_XDR_LB": "自然人",
                                              "CF_XDR_ZJLX": "居民身份证", "CF_XDR_ZJHM": pid, "CZLX": "撤销"}])
    _assert_revoked(session, row, batch, before)


def test_revoking_a_record_that_does_not_exist_is_a_row_error(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    known = penalty(dept)
    submit(session, keyring, dept, [known])
    subjects, before = _count(session, Subject), _last_event(session)
    unknown = penalty(dept)  # a subject never seen either
    wrong_number = dict(known, CF_WSH=known["CF_WSH"] + "之一", CZLX="撤销")
    batch = submit(session, keyring, dept, [dict(unknown, CZLX="撤销"), wrong_number])
    assert _counts(batch) == {"received": 2, "accepted": 0, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 2}
    errors = _errors(session, batch)
    assert [(e.row_number, e.field_code) for e in errors] == [(1, "CZLX"), (2, "CZLX")]
    assert all("不存在" in e.reason for e in errors)
    assert _count(session, Subject) == subjects  # a revocation registers no subject
    assert _subject(session, unknown["CF_XDR_SHXYM"]) is None
    assert _last_event(session) == before
    (record,) = _versions(session, known)
    assert record.status == RecordStatus.EFFECTIVE


def test_revocation_without_any_subject_code_is_refused_not_crashed(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = penalty(dept)
    submit(session, keyring, dept, [row])
    batch = submit(session, keyring, dept, [{"CF_WSH": row["CF_WSH"], "CF_XDR_MC": row["CF_XDR_MC"], "CZLX": "撤销"}])
    assert batch.rejected == 1 and batch.revoked == 0
    (error,) = _errors(session, batch)
    assert error.field_code == "CF_XDR_SHXYM" and "统一社会信用代码" in error.reason
    assert _versions(session, row)[0].status == RecordStatus.EFFECTIVE


# ------------------------------------------------------------------------- one batch, one department


def test_the_same_record_twice_in_one_batch_rejects_the_second(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row, other = penalty(dept), penalty(dept)
    batch = submit(session, keyring, dept, [row, other, dict(row, CF_NR="罚款人民币6,000元")])
    assert _counts(batch) == {"received": 3, "accepted": 2, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 1}
    (error,) = _errors(session, batch)
    assert error.row_number == 3 and error.field_code == "CF_WSH"
    assert "第 1 行" in error.reason and "同一条记录" in error.reason
    (record,) = _versions(session, row)
    assert record.source_row == 1 and record.data["CF_NR"] == row["CF_NR"]


def test_the_same_record_in_two_chunks_of_one_file(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    dept = department(session)
    row = penalty(dept)
    rows = [row, penalty(dept), penalty(dept), dict(row)]  # chunks of two rows: lines 2-3 and 4-5
    batch = submit_file(session, keyring, dept, write_csv(tmp_path / "two.csv", rows), chunk_rows=2)
    assert (batch.received, batch.accepted, batch.rejected) == (4, 3, 1)
    (error,) = _errors(session, batch)
    assert error.row_number == 5 and "第 2 行" in error.reason
    assert len(_versions(session, row)) == 1


def test_rows_of_another_source_department_are_rejected_the_others_kept(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    other = department(session, name="漳州市生态环境局")
    own = penalty(dept)
    foreign = penalty(dept, CF_SJLY=other.name, CF_SJLYDM=other.uscc)
    batch = submit(session, keyring, dept, [foreign, own])
    assert (batch.accepted, batch.rejected) == (1, 1)
    (error,) = _errors(session, batch)
    assert error.row_number == 1 and error.field_code == "CF_SJLYDM" and error.value == other.uscc
    assert dept.name in error.reason and "本部门" in error.reason
    assert _versions(session, foreign) == []
    assert len(_versions(session, own)) == 1


def test_a_caller_of_another_department_may_not_submit(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    other = department(session, name="漳州市交通运输局")
    counts = {m: _count(session, m) for m in (CreditRecord, ImportBatch, ChangeEvent, Subject)}
    with pytest.raises(NotAllowed):
        submit(session, keyring, dept, [penalty(dept)], principal=clerk_of(other))
    assert {m: _count(session, m) for m in counts} == counts
    # The credit office may submit for any department.
    batch = submit(session, keyring, dept, [penalty(dept)], principal=clerk_of(other, Role.CREDIT_OFFICE_ADMIN))
    assert batch.accepted == 1


# ------------------------------------------------------------------------- subjects


def test_unknown_subjects_are_created_from_the_record(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    company, shop_code, shop_by_category = make_uscc("91"), make_uscc("92"), make_uscc("91")
    rows = [penalty(dept, name="漳州市新创科技有限公司", uscc=company),
            penalty(dept, name="芗城区阿明小吃店", uscc=shop_code),
            penalty(dept, name="芗城区阿华水果店", uscc=shop_by_category, CF_XDR_LB="个体工商户", CF_FRDB="陈阿华")]
    batch = submit(session, keyring, dept, rows)
    assert batch.accepted == 3
    kinds = {code: _subject(session, code) for code in (company, shop_code, shop_by_category)}
    assert kinds[company].kind == SubjectKind.LEGAL_PERSON and kinds[company].name == "漳州市新创科技有限公司"
    assert kinds[shop_code].kind == SubjectKind.INDIVIDUAL_BUSINESS  # 92 prefix
    assert kinds[shop_by_category].kind == SubjectKind.INDIVIDUAL_BUSINESS  # 行政相对人类别
    assert kinds[company].region_code == company[2:8]
    for row, code in zip(rows, (company, shop_code, shop_by_category), strict=True):
        assert _versions(session, row)[0].subject_id == kinds[code].id
        assert _versions(session, row)[0].name_mismatch is False
    # Two records of one new subject in one batch: one subject.
    again = submit(session, keyring, dept, [penalty(dept, name="漳州市新创科技有限公司", uscc=company)])
    assert again.accepted == 1
    assert session.scalar(select(func.count()).select_from(Subject).where(Subject.uscc == company)) == 1


def test_an_individual_business_without_a_code_is_refused_with_a_reason(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    subjects = _count(session, Subject)
    row = penalty(dept, name="芗城区无照小吃摊", uscc="00000000000000000X", CF_XDR_LB="个体工商户", CF_FRDB="张三")
    batch = submit(session, keyring, dept, [row, penalty(dept)])
    assert (batch.accepted, batch.rejected) == (1, 1)
    (error,) = _errors(session, batch)
    assert error.row_number == 1 and "统一社会信用代码" in error.reason
    assert _count(session, Subject) == subjects + 1


def test_a_known_code_under_another_name_is_kept_and_flagged_never_renamed(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    code = make_uscc()
    submit(session, keyring, dept, [penalty(dept, name="漳州市闽兴食品有限公司", uscc=code)])
    subject = _subject(session, code)
    row = penalty(dept, name="漳州闽兴食品公司", uscc=code)
    batch = submit(session, keyring, dept, [row])
    assert (batch.accepted, batch.rejected, batch.flagged) == (1, 0, 1)
    (record,) = _versions(session, row)
    assert record.name_mismatch is True and record.subject_id == subject.id
    assert record.data["CF_XDR_MC"] == "漳州闽兴食品公司"  # as reported
    session.expire_all()
    assert _subject(session, code).name == "漳州市闽兴食品有限公司"
    (review,) = session.scalars(select(SubjectNameReview).where(SubjectNameReview.subject_id == subject.id)).all()
    assert (review.reported_name, review.registered_name, review.record_id) == (
        "漳州闽兴食品公司", "漳州市闽兴食品有限公司", record.id)
    assert review.resolved_at is None
    # The same other name again: one review item, not two.
    submit(session, keyring, dept, [penalty(dept, name="漳州闽兴食品公司", uscc=code)])
    assert session.scalar(select(func.count()).select_from(SubjectNameReview)
                          .where(SubjectNameReview.subject_id == subject.id)) == 1
    assert session.scalar(select(func.count()).select_from(Subject).where(Subject.uscc == code)) == 1


def _all_text(session: Session, table: str) -> str:
    """Every value of every row of a table, as text (bytes too), for leak scans."""
    parts = []
    for row in session.execute(text(f'SELECT * FROM "{table}"')):
        for value in row:
            if isinstance(value, (bytes, bytearray, memoryview)):
                parts.append(bytes(value).decode("latin-1"))
                parts.append(bytes(value).hex())
            elif isinstance(value, (dict, list)):
                parts.append(json.dumps(value, ensure_ascii=False))
            else:
                parts.append(str(value))
    return "\n".join(parts)


def test_natural_persons_are_stored_encrypted_and_shown_masked(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    pid = person_id()
    row = penalty(dept, person_id=pid, name="林美玲")
    batch = submit(session, keyring, dept, [row])
    assert batch.accepted == 1
    (record,) = _versions(session, row)
    person = session.get(Subject, record.subject_id)
    assert person.kind == SubjectKind.NATURAL_PERSON and person.name == "林美玲" and person.uscc is None
    assert person.document_type == "居民身份证" and person.document_masked == masking.mask_id_number(pid)
    assert person.region_code == pid[:6]
    assert keyring.decrypt(person.document_cipher, "subject.document_number") == pid
    assert record.data["CF_XDR_ZJHM"] == masking.mask_id_number(pid)
    private = json.loads(keyring.decrypt(record.private_cipher, PRIVATE_PURPOSE))
    assert private["CF_XDR_ZJHM"] == pid
    session.flush()
    for table in ("credit_record", "subject", "change_event", "import_error", "import_batch"):
        assert pid not in _all_text(session, table), f"plain ID number found in {table}"
    # The same person again (another decision) is the same subject, found by the keyed hash.
    second = penalty(dept, person_id=pid, name="林美玲")
    submit(session, keyring, dept, [second])
    assert _versions(session, second)[0].subject_id == person.id
    assert session.scalar(select(func.count()).select_from(Subject)
                          .where(Subject.document_hash == person.document_hash)) == 1


def test_organisation_records_carry_no_private_cipher_unless_personal_fields_are_given(
        session: Session, keyring: Keyring) -> None:
    dept = department(session)
    plain, with_id = penalty(dept), penalty(dept, CF_FR_ZJLX="居民身份证", CF_FR_ZJHM=person_id())
    submit(session, keyring, dept, [plain, with_id])
    assert _versions(session, plain)[0].private_cipher is None
    record = _versions(session, with_id)[0]
    assert record.data["CF_FR_ZJHM"] == masking.mask_id_number(with_id["CF_FR_ZJHM"])
    assert json.loads(keyring.decrypt(record.private_cipher, PRIVATE_PURPOSE))["CF_FR_ZJHM"] == with_id["CF_FR_ZJHM"]


# ------------------------------------------------------------------------- reporting deadline


def test_late_rows_are_accepted_flagged_and_counted(session: Session, keyring: Keyring) -> None:
    dept = department(session, name="漳州市应急管理局")
    late = penalty(dept, decided=TODAY - dt.timedelta(days=30))
    timely = penalty(dept, decided=TODAY - dt.timedelta(days=1))
    batch = submit(session, keyring, dept, [late, timely], calendar=weekends_calendar())
    assert (batch.accepted, batch.late, batch.rejected) == (2, 1, 0)
    (late_record,), (timely_record,) = _versions(session, late), _versions(session, timely)
    assert late_record.reported_late is True and timely_record.reported_late is False
    assert late_record.report_due_on < TODAY <= timely_record.report_due_on
    # 7 working days on a weekends-only calendar: 9 to 11 calendar days.
    assert 9 <= (late_record.report_due_on - late_record.decision_on).days <= 11
    figures = {uscc: rest for uscc, *rest in repository.timeliness(session)}
    assert figures[dept.uscc] == ["漳州市应急管理局", 2, 1, 0]
    # A later version does not count the record twice.
    submit(session, keyring, dept, [dict(late, CF_NR="罚款人民币6,000元")], calendar=weekends_calendar())
    figures = {uscc: rest for uscc, *rest in repository.timeliness(session)}
    assert figures[dept.uscc][1:3] == [2, 1]


def test_deadline_on_the_statutory_calendar(session: Session, keyring: Keyring) -> None:
    """2024-09-30 + 7 working days skips the National Day week (10-1…10-7) and counts the make-up
    workday 10-12 (a Saturday): 10-8, 9, 10, 11, 12, 14, 15."""
    dept = department(session)
    row = penalty(dept, decided=dt.date(2024, 9, 30), CF_YXQ="2025-09-30")
    batch = submit(session, keyring, dept, [row], today=dt.date(2024, 10, 15))
    (record,) = _versions(session, row)
    assert record.report_due_on == dt.date(2024, 10, 15)
    assert record.reported_late is False and batch.late == 0
    later = penalty(dept, decided=dt.date(2024, 9, 30), CF_YXQ="2025-09-30")
    submit(session, keyring, dept, [later], today=dt.date(2024, 10, 16))
    assert _versions(session, later)[0].reported_late is True


# ------------------------------------------------------------------------- file formats


def test_gbk_csv_with_chinese_labels_imports_like_utf8_with_codes(session: Session, keyring: Keyring,
                                                                   tmp_path: Path) -> None:
    dept = department(session)
    rows = [penalty(dept), penalty(dept, person_id=person_id(), name="黄志强"), penalty(dept, category="警告")]
    xzcf = definition(session)
    gbk = write_csv(tmp_path / "gbk.csv", rows, encoding="gbk", labels=True, definition=xzcf)
    assert "行政相对人名称".encode("gbk") in gbk.read_bytes()
    first = submit_file(session, keyring, dept, gbk)
    assert _counts(first) == {"received": 3, "accepted": 3, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 0}
    assert first.encoding and first.encoding.lower().replace("-", "") in ("gbk", "gb18030")
    stored = {row["CF_WSH"]: _versions(session, row)[0] for row in rows}
    # The same rows as UTF-8 with codes are the same records: nothing new.
    second = submit_file(session, keyring, dept, write_csv(tmp_path / "utf8.csv", rows))
    assert second.unchanged == 3 and second.accepted == second.updated == 0
    for row in rows:
        (record,) = _versions(session, row)
        assert record.id == stored[row["CF_WSH"]].id
        assert record.data["CF_XDR_MC"] == row["CF_XDR_MC"] and record.data["CF_SY"] == row["CF_SY"]


def test_unknown_columns_are_noted_in_the_summary(session: Session, keyring: Keyring, tmp_path: Path) -> None:
    dept = department(session)
    rows = [dict(penalty(dept), 内部编号="A-1")]
    batch = submit_file(session, keyring, dept, write_csv(tmp_path / "extra.csv", rows))
    assert batch.accepted == 1
    assert any("内部编号" in note for note in batch.notes)
    assert any("内部编号" in note for note in reports.summarise(session, batch).notes)


# ------------------------------------------------------------------------- the error report


def test_error_report_csv_has_a_bom_one_line_per_problem_and_masked_personal_values(
        session: Session, keyring: Keyring) -> None:
    dept = department(session)
    rows = [
        penalty(dept),
        penalty(dept, CF_JDRQ="2024/13/45", CF_CFLB="拘役"),  # two problems in one row
        penalty(dept, person_id="350602198506129999", name="吴某某"),  # wrong check digit
        penalty(dept, CF_SJLYDM=make_uscc("11", "350600")),
    ]
    batch = submit(session, keyring, dept, rows)
    assert (batch.received, batch.accepted, batch.rejected) == (4, 1, 3)
    problems = _errors(session, batch)
    assert len(problems) >= 4
    report = reports.error_report_csv(session, batch)
    assert report.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert tuple(lines[0]) == ERROR_REPORT_HEADER
    assert len(lines) - 1 == len(problems)
    by_row: dict[str, list[list[str]]] = {}
    for line in lines[1:]:
        by_row.setdefault(line[0], []).append(line)
    assert set(by_row) == {"2", "3", "4"}
    assert {line[1] for line in by_row["2"]} >= {"CF_JDRQ", "CF_CFLB"}
    (id_line,) = [line for line in by_row["3"] if line[1] == "CF_XDR_ZJHM"]
    assert "350602198506129999" not in report.decode("utf-8-sig")
    assert id_line[3] == masking.mask_id_number("350602198506129999")
    assert id_line[2] == "证件号码" and id_line[4]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in line[4]) for line in lines[1:])  # reasons in Chinese
    summary = reports.summarise(session, batch)
    assert summary.error_count == len(problems) and len(summary.errors) == len(problems)
    assert summary.rejected == 3


def test_personal_values_in_stored_errors_are_masked(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    number = "35060219850612999X"
    batch = submit(session, keyring, dept, [penalty(dept, person_id=number, name="郑某")])
    assert batch.rejected == 1
    session.flush()
    assert number not in _all_text(session, "import_error")


def test_xlsx_with_chinese_headers_is_the_same_records_as_csv(session: Session, keyring: Keyring,
                                                               tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    dept = department(session)
    rows = [penalty(dept), penalty(dept, person_id=person_id(), name="蔡依依")]
    xzcf = definition(session)
    fields = list(rows[0]) + [k for k in rows[1] if k not in rows[0]]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([xzcf.field_map[f].label for f in fields])
    for row in rows:
        sheet.append([row.get(f, "") for f in fields])
    path = tmp_path / "处罚.xlsx"
    book.save(path)
    first = submit_file(session, keyring, dept, path)
    assert _counts(first) == {"received": 2, "accepted": 2, "updated": 0, "unchanged": 0, "revoked": 0, "rejected": 0}
    assert [_versions(session, r)[0].source_row for r in rows] == [2, 3]
    again = submit_file(session, keyring, dept, write_csv(tmp_path / "same.csv", rows))
    assert again.unchanged == 2 and again.accepted == 0


def test_a_header_only_file_is_an_empty_batch_with_a_note(session: Session, keyring: Keyring,
                                                          tmp_path: Path) -> None:
    dept = department(session)
    path = tmp_path / "header.csv"
    path.write_text(",".join(penalty(dept)) + "\n", encoding="utf-8")
    records = _count(session, CreditRecord)
    batch = submit_file(session, keyring, dept, path)
    assert batch.status == BatchStatus.COMMITTED
    assert batch.received == batch.accepted == batch.rejected == 0
    assert any("只有表头" in note for note in batch.notes)
    assert _count(session, CreditRecord) == records


def test_a_huge_field_rejects_only_its_row_and_the_stored_value_is_clipped(session: Session, keyring: Keyring,
                                                                          tmp_path: Path) -> None:
    dept = department(session)
    huge = penalty(dept, CF_SY="违" * 10_000)
    good = penalty(dept)
    batch = submit_file(session, keyring, dept, write_csv(tmp_path / "huge.csv", [huge, good]))
    assert (batch.accepted, batch.rejected) == (1, 1)
    (error,) = _errors(session, batch)
    assert error.row_number == 2 and error.field_code == "CF_SY" and len(error.value) <= 80
    assert "5000" in error.reason or "5,000" in error.reason
    assert len(_versions(session, good)) == 1 and _versions(session, huge) == []


def test_error_report_values_never_become_excel_formulas(session: Session, keyring: Keyring) -> None:
    dept = department(session)
    row = penalty(dept, CF_NR_FK="=HYPERLINK(\"http://x\")")
    batch = submit(session, keyring, dept, [row])
    text = reports.error_report_csv(session, batch).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
