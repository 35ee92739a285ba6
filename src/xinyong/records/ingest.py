"""The one collection pipeline (归集, F3): validated rows become records, exactly once, with history."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from xinyong import masking
from xinyong.calendar import CalendarError, WorkingCalendar
from xinyong.catalog.definitions import RecordTypeDefinition, SeverityClass
from xinyong.catalog.models import RecordType
from xinyong.crypto import Keyring
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.records import store
from xinyong.records.models import ChangeEvent, CreditRecord, ImportBatch, ImportRowError, SubjectNameReview
from xinyong.records.publication import publication_window
from xinyong.records.roles import FieldRoles, roles_for
from xinyong.records.states import ChangeKind, RecordStatus, record_machine
from xinyong.records.validation import RowError, validate_chunk
from xinyong.subjects import search_terms

REPORT_DEADLINE_WORKING_DAYS = 7  # seed 002 三(一)1: report within 7 working days of the decision
PRIVATE_PURPOSE = "credit_record.private"
REVOKE = "撤销"
# A member whose value is null in polars' JSON: every quote inside a value is escaped, so this cannot match there.
_NULL_MEMBER = r'"[A-Za-z0-9_]+":null,?'
Progress = Callable[[int], None]


@dataclass
class Context:
    """Everything a batch needs besides its rows."""

    session: Session
    keyring: Keyring
    record_type: RecordType
    definition: RecordTypeDefinition
    department: Department
    batch: ImportBatch
    calendar: WorkingCalendar
    today: dt.date
    actor: str
    roles: FieldRoles = field(init=False)
    errors: list[RowError] = field(default_factory=list)
    deadline_cache: dict[dt.date, dt.date | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.roles = roles_for(self.definition)


def _error(ctx: Context, row: int, code: str, reason: str, value: str = "") -> RowError:
    label = ctx.definition.field_map[code].label if code in ctx.definition.field_map else "整行"
    return RowError(row=row, field=code, label=label, value=value, reason=reason)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _keyed(keyring: Keyring) -> Callable[[str], str]:
    key = keyring.lookup_key[:64]
    return lambda text: hashlib.blake2b(text.encode(), key=key, digest_size=16).hexdigest()


def _due(ctx: Context, decided: dt.date) -> dt.date | None:
    if decided not in ctx.deadline_cache:
        try:
            ctx.deadline_cache[decided] = ctx.calendar.add_working_days(decided, REPORT_DEADLINE_WORKING_DAYS)
        except CalendarError as exc:
            ctx.deadline_cache[decided] = None
            note = f"部分记录的报送期限无法计算：{exc.message}"
            if note not in ctx.batch.notes:
                ctx.batch.notes = [*ctx.batch.notes, note]
    return ctx.deadline_cache[decided]


def _resolve_subjects(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """Add _subject_id, _subject_key and _name_mismatch; create subjects not yet known."""
    r = ctx.roles
    is_person = pl.col(r.category).eq_missing("自然人")
    # A revocation only looks records up: it never registers a subject (unknown ones get a null id).
    creates = pl.col("CZLX").ne_missing(REVOKE) if "CZLX" in frame.columns else pl.lit(True)
    persons = frame.filter(is_person)
    orgs = frame.filter(~is_person)
    if r.uscc and orgs.height:
        first = orgs.unique(subset=[r.uscc], keep="first", maintain_order=True)
        known = store.organisations_by_code(ctx.session, first[r.uscc].to_list())
        missing = orgs.filter(creates & ~pl.col(r.uscc).is_in(list(known))).unique(
            subset=[r.uscc], keep="first", maintain_order=True)
        if missing.height:
            created = store.create_organisations(ctx.session, missing.select(
                pl.col(r.uscc).alias("code"), pl.col(r.name).alias("name"), pl.col(r.category).alias("category")))
            search_terms.index_new_organisations(ctx.session, ((sid, name, code) for code, (sid, name) in created.items()))
            known |= created
        orgs = orgs.with_columns(
            pl.col(r.uscc).replace_strict({c: v[0] for c, v in known.items()}, default=None,
                                          return_dtype=pl.Int64).alias("_subject_id"),
            pl.col(r.uscc).alias("_subject_key"),
            (pl.col(r.name) != pl.col(r.uscc).replace_strict({c: v[1] for c, v in known.items()}, default=None,
                                                             return_dtype=pl.String)).alias("_name_mismatch"),
        )
    if persons.height and r.document_type and r.document_number:
        hashes = [store.person_hash(ctx.keyring, t, n) for t, n in zip(persons[r.document_type], persons[r.document_number], strict=True)]
        persons = persons.with_columns(pl.Series("_hash", hashes))
        keys = list(dict.fromkeys(zip(persons[r.document_type], persons["_hash"], strict=True)))
        known_p = store.persons_by_hash(ctx.session, keys)
        key = pl.concat_str([pl.col(r.document_type), pl.lit(":"), pl.col("_hash")])
        missing_p = persons.filter(creates & ~key.is_in([f"{t}:{h}" for t, h in known_p])).unique(
            subset=[r.document_type, "_hash"], keep="first", maintain_order=True)
        if missing_p.height:
            store.create_persons(ctx.session, ctx.keyring, missing_p.select(
                pl.col(r.document_type).alias("type"), pl.col("_hash").alias("hash"), pl.col(r.name).alias("name"),
                pl.col(r.document_number).alias("number")))
            known_p = store.persons_by_hash(ctx.session, keys)
        pid = {f"{t}:{h}": v for (t, h), v in known_p.items()}
        persons = persons.with_columns(
            key.replace_strict({k: v[0] for k, v in pid.items()}, default=None, return_dtype=pl.Int64).alias("_subject_id"),
            (pl.lit("P:") + key).alias("_subject_key"),
            (pl.col(r.name) != key.replace_strict({k: v[1] for k, v in pid.items()}, default=None,
                                                  return_dtype=pl.String)).alias("_name_mismatch"),
        ).drop("_hash")
    return pl.concat([orgs, persons], how="diagonal_relaxed")


def _prepare(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """Compute natural key, content hash, public data, private cipher, deadlines and publication."""
    r, d = ctx.roles, ctx.definition
    number = pl.concat_str([pl.col(c).cast(pl.String) for c in r.record_number], separator="｜")
    prefix = f"{d.code}|{ctx.department.uscc}|"
    field_codes = [f.code for f in d.fields if f.code in frame.columns]
    keyed = _keyed(ctx.keyring)
    content = pl.concat_str([pl.col(c).cast(pl.String).fill_null("\x00") for c in field_codes], separator="\x1f")
    natural = frame.select(pl.lit(prefix) + number + pl.lit("|") + pl.col("_subject_key"))[:, 0].to_list()
    frame = frame.with_columns(
        number.alias("_number"),
        pl.Series("_key", [_digest(text) for text in natural], dtype=pl.String),
        pl.Series("_content", [keyed(text) for text in frame.select(content)[:, 0].to_list()], dtype=pl.String),
    )
    public = []
    for code in field_codes:
        column = pl.col(code).cast(pl.String)
        if code in r.personal:
            column = column.map_elements(masking.mask_id_number, return_dtype=pl.String)
        public.append(column.alias(code))
    # Blank fields are left out of the stored JSON: a third of a typical row, and absent reads as blank.
    data = pl.struct(public).struct.json_encode().str.replace_all(_NULL_MEMBER, "").str.replace(",}$", "}", literal=False)
    frame = frame.with_columns(data.alias("_data"))
    personal = [c for c in r.personal if c in frame.columns]
    if personal:
        has_any = pl.any_horizontal([pl.col(c).is_not_null() for c in personal])
        private = frame.select(pl.when(has_any).then(pl.struct([pl.col(c) for c in personal]).struct.json_encode()))
        ciphers = [None if text is None else ctx.keyring.encrypt(text, PRIVATE_PURPOSE) for text in private[:, 0].to_list()]
        frame = frame.with_columns(pl.Series("_private", ciphers, dtype=pl.Binary))
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Binary).alias("_private"))
    return _windows(ctx, frame)


def _windows(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """Report deadline, lateness and publication window, computed once per distinct input."""
    r, d = ctx.roles, ctx.definition
    until_field = next((rule.until_field for rule in d.display.values() if rule.until_field), None)
    until = pl.col(until_field) if until_field and until_field in frame.columns else pl.lit(None, dtype=pl.Date)
    keys = frame.select(pl.col(r.decision_date).alias("_decided"), pl.col("_severity"), until.alias("_until")).unique()
    rows = []
    for decided, severity, until_value in keys.iter_rows():
        if decided is None:  # a revocation that gives only the natural key: nothing to compute
            rows.append((decided, severity, until_value, None, None, None))
            continue
        window = publication_window(d, SeverityClass(severity), decided, until_value)
        due = _due(ctx, decided)
        rows.append((decided, severity, until_value, due, window[0] if window else None, window[1] if window else None))
    lookup = pl.DataFrame(rows, schema={"_decided": pl.Date, "_severity": pl.String, "_until": pl.Date,
                                        "_due": pl.Date, "_from": pl.Date, "_to": pl.Date}, orient="row")
    frame = frame.with_columns(pl.col(r.decision_date).alias("_decided"), until.alias("_until"))
    frame = frame.join(lookup, on=["_decided", "_severity", "_until"], how="left", nulls_equal=True)
    return frame.with_columns((pl.col("_due").is_not_null() & (pl.col("_due") < ctx.today)).alias("_late"))


def _existing(ctx: Context, keys: list[str]) -> pl.DataFrame:
    """Current versions of these natural keys (including rows written earlier in this batch)."""
    found = []
    for condition in store.matching(ctx.session, CreditRecord.natural_key, keys):
        stmt = select(CreditRecord.natural_key, CreditRecord.id, CreditRecord.version, CreditRecord.content_hash,
                      CreditRecord.status, CreditRecord.batch_id, CreditRecord.source_row,
                      CreditRecord.repaired_at).where(condition, CreditRecord.is_current.is_(True))
        found.extend(ctx.session.execute(stmt).all())
    return pl.DataFrame(
        [(k, i, v, c, str(s), b, r, m) for k, i, v, c, s, b, r, m in found],
        schema={"_key": pl.String, "_old_id": pl.Int64, "_old_version": pl.Int64, "_old_content": pl.String,
                "_old_status": pl.String, "_old_batch": pl.Int64, "_old_row": pl.Int64,
                "_old_repaired_at": pl.Datetime("us", "UTC")}, orient="row",
    )


def process_chunk(ctx: Context, chunk: pl.DataFrame) -> None:
    """Validate, classify and write one chunk of source rows."""
    batch = ctx.batch
    batch.received += chunk.height
    validated = validate_chunk(chunk, ctx.definition)
    ctx.errors.extend(validated.errors)
    frame = validated.frame
    if ctx.roles.source_department and ctx.roles.source_department in frame.columns:
        # Blank only on a revocation (the validator requires it otherwise): the caller's department is meant.
        source = pl.col(ctx.roles.source_department)
        is_foreign = source.is_not_null() & (source != ctx.department.uscc)
        foreign = frame.filter(is_foreign)
        for row, code in foreign.select("_row", ctx.roles.source_department).iter_rows():
            ctx.errors.append(_error(ctx, row, ctx.roles.source_department,
                                     f"数据来源单位与报送部门（{ctx.department.name}）不一致，只能报送本部门的数据", code))
        frame = frame.filter(~is_foreign)
    frame = _drop_unidentified(ctx, frame)
    if frame.height:
        frame = _prepare(ctx, _resolve_subjects(ctx, frame))
        _classify_and_write(ctx, frame)
    batch.rejected = len({e.row for e in ctx.errors})


def _drop_unidentified(ctx: Context, frame: pl.DataFrame) -> pl.DataFrame:
    """Refuse rows naming no subject code or document (a 个体工商户 with the 17-zeros-X placeholder, a
    revocation giving only 文书号 and name): the record could be tied to no subject and no natural key."""
    r = ctx.roles
    is_person = pl.col(r.category).eq_missing("自然人")
    has_code = pl.col(r.uscc).is_not_null() if r.uscc else pl.lit(False)
    has_document = (pl.col(r.document_type).is_not_null() & pl.col(r.document_number).is_not_null()
                    if r.document_type and r.document_number else pl.lit(False))
    identified = pl.when(is_person).then(has_document).otherwise(has_code)
    unidentified = frame.filter(~identified)
    for row, person in unidentified.select("_row", is_person.alias("_person")).iter_rows():
        if person:
            ctx.errors.append(_error(ctx, row, r.document_number or r.category,
                                     "自然人须填写证件类型和证件号码，否则无法确定是哪一位当事人"))
        else:
            ctx.errors.append(_error(ctx, row, r.uscc or r.category,
                                     "缺少统一社会信用代码，无法确定主体；未取得代码的个体工商户暂不能归集，请补充代码后报送"))
    return frame.filter(identified)


def _classify_and_write(ctx: Context, frame: pl.DataFrame) -> None:
    dup = frame.filter(~pl.col("_key").is_first_distinct())
    if dup.height:
        first_rows = frame.group_by("_key").agg(pl.col("_row").min().alias("_first"))
        for row, first in dup.join(first_rows, on="_key").select("_row", "_first").iter_rows():
            ctx.errors.append(_error(ctx, row, ctx.roles.record_number[0],
                                     f"与本批第 {first} 行是同一条记录（文书号和主体相同），同一批次只能报送一次"))
        frame = frame.filter(pl.col("_key").is_first_distinct())
    frame = frame.join(_existing(ctx, frame["_key"].to_list()), on="_key", how="left")
    revoke = pl.col("CZLX").eq_missing(REVOKE) if "CZLX" in frame.columns else pl.lit(False)
    again = frame.filter(pl.col("_old_batch").eq_missing(ctx.batch.id))
    for row, first in again.select("_row", "_old_row").iter_rows():
        ctx.errors.append(_error(ctx, row, ctx.roles.record_number[0],
                                 f"与本批第 {first} 行是同一条记录（文书号和主体相同），同一批次只能报送一次"))
    frame = frame.filter(pl.col("_old_batch").ne_missing(ctx.batch.id))
    revocations = frame.filter(revoke)
    _revoke(ctx, revocations)
    frame = frame.filter(~revoke)
    unchanged = frame.filter(pl.col("_old_content").eq_missing(pl.col("_content")))
    ctx.batch.unchanged += unchanged.height
    changed = frame.filter(pl.col("_old_id").is_not_null() & pl.col("_old_content").ne_missing(pl.col("_content")))
    new = frame.filter(pl.col("_old_id").is_null())
    if changed.height:
        live = changed.filter(pl.col("_old_status") == RecordStatus.EFFECTIVE.value)["_old_id"].to_list()
        _supersede(ctx, changed["_old_id"].to_list(), live)
    ctx.batch.updated += changed.height
    ctx.batch.accepted += new.height
    written = pl.concat([new, changed], how="diagonal_relaxed")
    ctx.batch.late += written.filter(pl.col("_late")).height
    ctx.batch.flagged += written.filter(pl.col("_name_mismatch")).height
    _insert(ctx, written)


def _supersede(ctx: Context, old_ids: list[int], live_ids: list[int]) -> None:
    now = utcnow()
    for condition in store.matching(ctx.session, CreditRecord.id, old_ids):
        ctx.session.execute(update(CreditRecord).where(condition).values(is_current=False))
    for condition in store.matching(ctx.session, CreditRecord.id, live_ids):
        ctx.session.execute(update(CreditRecord).where(condition).values(
            status=RecordStatus.SUPERSEDED, withdrawn_at=now))
    record_machine.record_many(ctx.session, live_ids, RecordStatus.EFFECTIVE, RecordStatus.SUPERSEDED,
                               actor=ctx.actor, reason=f"批次 {ctx.batch.id} 报送了新版本")


def _revoke(ctx: Context, frame: pl.DataFrame) -> None:
    """撤销 rows: the current version is withdrawn from publication at once."""
    if not frame.height:
        return
    missing = frame.filter(pl.col("_old_id").is_null() | (pl.col("_old_status") != RecordStatus.EFFECTIVE.value))
    for row, status in missing.select("_row", "_old_status").iter_rows():
        reason = "要撤销的记录已撤销或已被替代" if status else "要撤销的记录不存在（请核对文书号和主体）"
        ctx.errors.append(_error(ctx, row, "CZLX", reason, REVOKE))
    ids = frame.filter(pl.col("_old_status") == RecordStatus.EFFECTIVE.value)["_old_id"].to_list()
    if not ids:
        return
    now = utcnow()
    for condition in store.matching(ctx.session, CreditRecord.id, ids):
        ctx.session.execute(update(CreditRecord).where(condition).values(status=RecordStatus.REVOKED, withdrawn_at=now))
    record_machine.record_many(ctx.session, ids, RecordStatus.EFFECTIVE, RecordStatus.REVOKED, actor=ctx.actor,
                               reason=f"批次 {ctx.batch.id} 报送撤销")
    rows = [row for condition in store.matching(ctx.session, CreditRecord.id, ids)
            for row in ctx.session.execute(select(CreditRecord.id, CreditRecord.subject_id, CreditRecord.natural_key,
                                                  CreditRecord.version).where(condition))]
    ctx.session.execute(insert(ChangeEvent), [
        {"occurred_at": now, "kind": ChangeKind.REVOKED.value, "record_id": i, "subject_id": s,
         "record_type_code": ctx.definition.code, "natural_key": k, "version": v} for i, s, k, v in rows])
    ctx.batch.revoked += len(ids)


def _insert(ctx: Context, frame: pl.DataFrame) -> None:
    if not frame.height:
        return
    now = utcnow()
    r = ctx.roles
    out = frame.select(
        pl.lit(ctx.record_type.id, dtype=pl.Int64).alias("record_type_id"),
        pl.col("_subject_id").alias("subject_id"),
        pl.lit(ctx.department.id, dtype=pl.Int64).alias("department_id"),
        pl.col("_key").alias("natural_key"),
        (pl.col("_old_version").fill_null(0) + 1).alias("version"),
        pl.lit(True).alias("is_current"),
        pl.lit(RecordStatus.EFFECTIVE.value).alias("status"),
        pl.col("_old_id").alias("supersedes_id"),
        pl.col("_content").alias("content_hash"),
        pl.col("_number").str.slice(0, 128).alias("document_number"),
        pl.col(r.decision_date).alias("decision_on"),
        pl.col("_severity").alias("severity"),
        pl.col("_data").alias("data"),
        pl.col("_private").alias("private_cipher"),
        pl.lit(ctx.batch.id, dtype=pl.Int64).alias("batch_id"),
        pl.col("_row").alias("source_row"),
        pl.lit(now).alias("received_at"),
        pl.lit(ctx.actor).alias("submitted_by"),
        pl.col("_due").alias("report_due_on"),
        pl.col("_late").alias("reported_late"),
        pl.col("_from").alias("publish_from"),
        pl.col("_to").alias("publish_until"),
        pl.col("_name_mismatch").fill_null(False).alias("name_mismatch"),
        # A repaired record stays repaired when its department later corrects it (F8: publication stopped).
        pl.col("_old_repaired_at").alias("repaired_at"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    store.bulk_insert(ctx.session, CreditRecord.__table__, out)
    first = frame.filter(pl.col("_old_version").is_null() & ~pl.col("_subject_key").str.starts_with("P:"))
    search_terms.index_documents(ctx.session, first.select("_subject_id", "_number").iter_rows())
    flagged = frame.filter(pl.col("_name_mismatch"))
    if flagged.height:
        _flag_names(ctx, flagged)


def _flag_names(ctx: Context, flagged: pl.DataFrame) -> None:
    """A known code under another name: keep the record, never rename, queue for review."""
    from xinyong.subjects.models import Subject

    keys = flagged["_key"].to_list()
    records = {key: record_id for condition in store.matching(ctx.session, CreditRecord.natural_key, keys)
               for key, record_id in ctx.session.execute(select(CreditRecord.natural_key, CreditRecord.id).where(
                   condition, CreditRecord.is_current.is_(True)))}
    for key, subject_id, reported in flagged.select("_key", "_subject_id", ctx.roles.name).iter_rows():
        registered = ctx.session.get(Subject, subject_id).name
        exists = ctx.session.scalar(select(SubjectNameReview.id).where(
            SubjectNameReview.subject_id == subject_id, SubjectNameReview.reported_name == reported))
        if exists is None:
            ctx.session.add(SubjectNameReview(subject_id=subject_id, record_id=records[key], reported_name=reported,
                                              registered_name=registered))
    ctx.session.flush()


def store_errors(ctx: Context) -> None:
    """Keep every row problem of the batch for the error report."""
    rows = [{"batch_id": ctx.batch.id, "row_number": e.row, "field_code": e.field[:40], "field_label": e.label[:100],
             "value": e.value[:80], "reason": e.reason[:500]} for e in ctx.errors]
    for start in range(0, len(rows), 5_000):
        ctx.session.execute(insert(ImportRowError), rows[start:start + 5_000])


def emit_changes(ctx: Context) -> None:
    """Append accepted/updated events for every record version this batch wrote, set-based, in id order."""
    from sqlalchemy import case, literal

    from xinyong.db import UTCDateTime

    source = select(
        literal(utcnow(), UTCDateTime()),
        case((CreditRecord.version == 1, ChangeKind.ACCEPTED.value), else_=ChangeKind.UPDATED.value),
        CreditRecord.id, CreditRecord.subject_id, literal(ctx.definition.code), CreditRecord.natural_key,
        CreditRecord.version,
    ).where(CreditRecord.batch_id == ctx.batch.id).order_by(CreditRecord.id)
    ctx.session.execute(insert(ChangeEvent).from_select(
        ["occurred_at", "kind", "record_id", "subject_id", "record_type_code", "natural_key", "version"], source))


