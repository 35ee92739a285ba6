"""Batch screening (批量筛查): input rows (code and/or name) against the effective list entries, with measures.

Codes are matched first, as one hash join of the whole input against the live entries (loaded by a
single query and cached while the lists do not change); rows without a code match go to name
matching against the names of listed organisations (persons are never matched by name). Each row
gets its matches, or a Chinese error while the others are still screened.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import String, case, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from xinyong import codes, masking
from xinyong.codes import DocumentType
from xinyong.crypto import Keyring
from xinyong.errors import InvalidInput
from xinyong.lists.definitions import Domain, ListKind
from xinyong.lists.models import ListEntry, ListType
from xinyong.lists.states import EntryStatus
from xinyong.measures.definitions import MeasureDefinition
from xinyong.records import vector_codes
from xinyong.screening.matching import NameIndex
from xinyong.screening.names import DEFAULT_THRESHOLD
from xinyong.subjects.models import Subject
from xinyong.subjects.service import DOCUMENT_PURPOSE
from xinyong.subjects.states import SubjectKind

HIT, MISS, ERROR = "命中", "未命中", "错误"
BY_CODE, BY_DOCUMENT, BY_NAME = "代码", "证件号码", "名称"
MAX_NAME = 200
PERSON = SubjectKind.NATURAL_PERSON.value
LIVE = (EntryStatus.EFFECTIVE.value, EntryStatus.SUSPENDED.value)
Progress = Callable[[str, int, int], None]  # (stage, done, total)

FETCHED = {
    "entry_id": pl.Int64, "list_type_id": pl.Int64, "entry_name": pl.String, "masked_id": pl.String,
    "suspended": pl.Int8, "valid_until": pl.String, "person": pl.Int8, "uscc": pl.String, "subject_name": pl.String,
    "document_hash": pl.String,
}
MATCH_COLUMNS = {
    "idx": pl.Int64, "entry_id": pl.Int64, "kind": pl.String, "list_type": pl.String, "list_type_name": pl.String,
    "domain": pl.String, "entry_status": pl.String, "valid_until": pl.Date, "subject_name": pl.String,
    "subject_code": pl.String, "masked_id": pl.String, "method": pl.String, "score": pl.Float64,
    "reasons": pl.List(pl.String),
}


@dataclass
class Live:
    """The live entries of one day as a frame, and (built on first use) the index of listed organisation names."""

    frame: pl.DataFrame
    _index: tuple[NameIndex, list[list[int]]] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def names(self) -> tuple[NameIndex, list[list[int]]]:
        """The name index and, per indexed name, the frame rows (entries) it stands for."""
        with self._lock:
            if self._index is None:
                orgs = self.frame.with_row_index("pos").filter(pl.col("subject_kind") != PERSON)
                pairs = pl.concat([orgs.select("pos", name="entry_name"), orgs.select("pos", name="subject_name")])
                grouped = pairs.drop_nulls().unique().group_by("name", maintain_order=True).agg("pos")
                self._index = (NameIndex(grouped["name"].to_list()), grouped["pos"].to_list())
            return self._index


_CACHE: OrderedDict[tuple[Any, ...], Live] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 2


def _live_filter(stmt: Any, today: dt.date) -> Any:
    return stmt.where(type_coerce(ListEntry.status, String()).in_(LIVE), ListEntry.valid_from <= today,
                      ListEntry.valid_until >= today)


def live_entries(session: Session, today: dt.date) -> Live:
    """Effective and suspended entries within validity, one query, cached until an entry or subject changes."""
    stamp_stmt = _live_filter(select(func.count(ListEntry.id), func.max(ListEntry.id), func.max(ListEntry.updated_at),
                                     func.max(Subject.updated_at)).join(Subject, Subject.id == ListEntry.subject_id),
                              today)
    stamp = tuple(session.execute(stamp_stmt).one()) + (session.scalar(select(func.max(ListType.updated_at))),)
    bind = session.get_bind()
    key = (id(bind), str(bind.engine.url), today, *stamp)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    person = SubjectKind.NATURAL_PERSON.value
    # Few, mostly-null columns keep the transfer of 100,000 rows cheap; list types are joined afterwards.
    stmt = _live_filter(select(
        ListEntry.id.label("entry_id"), ListEntry.list_type_id.label("list_type_id"),
        ListEntry.subject_name.label("entry_name"), ListEntry.subject_masked_id.label("masked_id"),
        case((type_coerce(ListEntry.status, String()) == EntryStatus.SUSPENDED.value, 1)).label("suspended"),
        cast(ListEntry.valid_until, String()).label("valid_until"),
        case((type_coerce(Subject.kind, String()) == person, 1)).label("person"), Subject.uscc.label("uscc"),
        case((Subject.name != ListEntry.subject_name, Subject.name)).label("subject_name"),
        Subject.document_hash.label("document_hash"),
    ).join(Subject, Subject.id == ListEntry.subject_id), today).order_by(ListEntry.id)
    conn = session.connection()
    # Plain DB-API rows: no per-row result processing is needed (every value is already a str, int or None).
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    frame = pl.DataFrame(rows, schema=FETCHED, orient="row")
    types = pl.DataFrame([(t.id, t.code, t.name, str(t.kind), str(t.domain)) for t in session.scalars(select(ListType))],
                         schema={"list_type_id": pl.Int64, "list_type": pl.String, "list_type_name": pl.String,
                                 "kind": pl.String, "domain": pl.String}, orient="row")
    frame = frame.join(types, on="list_type_id", how="left", maintain_order="left").select(
        "entry_id", "entry_name", "masked_id",
        entry_status=pl.when(pl.col("suspended") == 1).then(pl.lit(EntryStatus.SUSPENDED.value))
        .otherwise(pl.lit(EntryStatus.EFFECTIVE.value)),
        valid_until=pl.col("valid_until").str.slice(0, 10).str.to_date("%Y-%m-%d"),
        subject_kind=pl.when(pl.col("person") == 1).then(pl.lit(PERSON)).otherwise(pl.lit("")),
        uscc="uscc", subject_name="subject_name", document_hash="document_hash", list_type="list_type",
        list_type_name="list_type_name", kind="kind", domain="domain")
    live = Live(frame)
    with _CACHE_LOCK:
        _CACHE[key] = live
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return live


def input_frame(rows: Iterable[Mapping[str, object]]) -> pl.DataFrame:
    """Rows with optional keys row/code/name as a frame of strings (row defaults to the 1-based position)."""
    def text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value).strip()
        return value or None
    data = [(text(r.get("row")), text(r.get("code")), text(r.get("name"))) for r in rows]
    frame = pl.DataFrame(data, schema={"row": pl.String, "code": pl.String, "name": pl.String}, orient="row")
    return with_positions(frame)


def with_positions(frame: pl.DataFrame) -> pl.DataFrame:
    """Add idx (0-based) and fill a missing row label with the 1-based position."""
    frame = frame.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    return frame.with_columns(pl.col("row").fill_null((pl.col("idx") + 1).cast(pl.String)))


@dataclass
class Screening:
    """The outcome: one line per input row, one per match; matter and threshold as used."""

    rows: pl.DataFrame  # idx, row, code, name, status, error, notes, list_kinds, measure_codes, measure_names
    matches: pl.DataFrame  # MATCH_COLUMNS + measure_codes, measure_names
    matter: str | None
    threshold: float
    today: dt.date
    seconds: float = 0.0

    def summary(self) -> dict[str, int]:
        """Counts of rows by outcome and of hit rows by how they were found."""
        first = self.matches.group_by("idx").agg(pl.col("method").first())
        by = dict(first.group_by("method").len().iter_rows())
        status = dict(self.rows.group_by("status").len().iter_rows())
        return {"rows": self.rows.height, "hit": status.get(HIT, 0), "miss": status.get(MISS, 0),
                "errors": status.get(ERROR, 0), "by_code": by.get(BY_CODE, 0) + by.get(BY_DOCUMENT, 0),
                "by_name": by.get(BY_NAME, 0), "matches": self.matches.height}


def _code_errors(frame: pl.DataFrame, keyring: Keyring | None, today: dt.date) -> tuple[dict[int, str], dict[int, str]]:
    """(idx → Chinese reason of a bad code, idx → keyed hash of a valid 公民身份号码) for codes that are not USCCs."""
    bad, hashes = {}, {}
    for idx, code in frame.select("idx", "code_n").iter_rows():
        try:
            codes.validate_uscc(code)
            continue
        except codes.CodeError as exc:
            reason = exc.message
        if len(code) in (15, 18) and code[:17].isdigit():
            try:
                number = codes.validate_resident_id(code, today=today)
            except codes.CodeError as exc:
                bad[idx] = f"{reason}；按公民身份号码校验亦不通过：{exc.message}"
                continue
            if keyring is None:
                bad[idx] = "按公民身份号码筛查需要平台密钥，此处不可用"
                continue
            hashes[idx] = keyring.lookup_hash(number, f"{DOCUMENT_PURPOSE}:{DocumentType.RESIDENT_ID.value}")
            continue
        bad[idx] = reason
    return bad, hashes


def _by_code(rows: pl.DataFrame, live: pl.DataFrame, hashes: dict[int, str]) -> pl.DataFrame:
    orgs = rows.filter(pl.col("code_ok")).select("idx", uscc="code_n").join(live, on="uscc", how="inner")
    found = [orgs.with_columns(method=pl.lit(BY_CODE), reasons=pl.lit(["统一社会信用代码一致"]))]
    if hashes:
        wanted = pl.DataFrame({"idx": list(hashes), "document_hash": list(hashes.values())},
                              schema={"idx": pl.Int64, "document_hash": pl.String})
        people = live.filter(pl.col("document_hash").is_not_null())  # the hash's purpose names the document type
        found.append(wanted.join(people, on="document_hash", how="inner")
                     .with_columns(method=pl.lit(BY_DOCUMENT), reasons=pl.lit(["公民身份号码一致"])))
    return pl.concat([f.with_columns(score=pl.lit(1.0)) for f in found], how="diagonal")


def _by_name(rows: pl.DataFrame, live: Live, threshold: float, progress: Progress | None
             ) -> tuple[pl.DataFrame, dict[int, list[str]]]:
    """Name matches of rows without a code match; a listed subject whose code differs from the row's is noted, not hit."""
    wanted = rows.filter(pl.col("name").is_not_null() & pl.col("name_ok"))
    notes: dict[int, list[str]] = {}
    if wanted.is_empty() or live.frame.is_empty():
        return pl.DataFrame(schema={"idx": pl.Int64}), notes
    index, positions = live.names()
    distinct = wanted["name"].unique(maintain_order=True).to_list()
    total = len(distinct)
    step = (lambda n: progress("名称比对", n, total)) if progress else None
    results = dict(zip(distinct, index.match_many(distinct, threshold, step), strict=True))
    uscc, names = live.frame["uscc"], live.frame["entry_name"]
    out: list[tuple[int, int, float, list[str]]] = []
    for idx, name, code, code_ok in wanted.select("idx", "name", "code_n", "code_ok").iter_rows():
        seen: set[int] = set()
        for i, match in results[name]:
            for pos in positions[i]:
                if pos in seen:
                    continue
                seen.add(pos)
                listed_code = uscc[pos]
                if code_ok and listed_code and listed_code != code:
                    notes.setdefault(idx, []).append(
                        f"名称与名单主体“{names[pos]}”相近（得分 {match.score:.2f}），但统一社会信用代码不同，未计为命中")
                    continue
                out.append((idx, pos, match.score, list(match.reasons)))
    if not out:
        return pl.DataFrame(schema={"idx": pl.Int64}), notes
    found = pl.DataFrame(out, schema={"idx": pl.Int64, "pos": pl.UInt32, "score": pl.Float64,
                                      "reasons": pl.List(pl.String)}, orient="row")
    frame = live.frame.with_row_index("pos")
    return found.join(frame, on="pos").drop("pos").with_columns(method=pl.lit(BY_NAME)), notes


def measure_lookup(measures: Sequence[MeasureDefinition], matter: str | None) -> pl.DataFrame:
    """Per (kind, domain): measure codes and names an effective entry triggers (for the matter, when given)."""
    rows = []
    for kind in ListKind:
        for domain in Domain:
            chosen = [m for m in measures if (matter is None or matter in m.matters)
                      and any(t.matches(kind, domain) for t in m.triggers)]
            chosen.sort(key=lambda m: (not m.mandatory, m.code))
            rows.append((kind.value, domain.value, [m.code for m in chosen], [m.name for m in chosen]))
    return pl.DataFrame(rows, schema={"kind": pl.String, "domain": pl.String, "measure_codes": pl.List(pl.String),
                                      "measure_names": pl.List(pl.String)}, orient="row")


def screen(session: Session, rows: pl.DataFrame, *, measures: Sequence[MeasureDefinition],
           matter: str | None = None, threshold: float = DEFAULT_THRESHOLD, today: dt.date | None = None,
           keyring: Keyring | None = None, progress: Progress | None = None) -> Screening:
    """Screen rows (frame from input_frame or with_positions) against the live entries."""
    if not 0 < threshold <= 1:
        raise InvalidInput("匹配阈值应在 0 到 1 之间")
    started = time.perf_counter()
    today = today or dt.date.today()
    n = rows.height
    if progress:
        progress("载入名单", 0, n)
    # The live entries load (database, mostly holding the GIL) while polars checks the codes (releasing it);
    # the session is used by the loading thread alone until its result is taken.
    with ThreadPoolExecutor(1, thread_name_prefix="screening") as pool:
        loading = pool.submit(live_entries, session, today)
        rows = rows.with_columns(code_n=vector_codes.normalize(rows["code"]))
        rows = rows.with_columns(code_ok=vector_codes.uscc_ok(pl.col("code_n")).fill_null(False),
                                 name_ok=pl.col("name").str.len_chars().fill_null(0) <= MAX_NAME)
        bad, hashes = _code_errors(rows.filter(pl.col("code_n").is_not_null() & ~pl.col("code_ok")), keyring, today)
        live = loading.result()
    by_code = _by_code(rows, live.frame, hashes)
    if progress:
        progress("代码比对", n, n)
    named = rows.filter(pl.col("name").is_not_null()).join(by_code.select("idx"), on="idx", how="anti",
                                                           maintain_order="left")
    by_name, notes = _by_name(named, live, threshold, progress)
    matches = pl.concat([by_code, by_name], how="diagonal_relaxed") if by_name.height else by_code
    matches = _finish_matches(matches, measure_lookup(measures, matter))
    out = _finish_rows(rows, matches, bad, notes)
    return Screening(out, matches, matter, threshold, today, time.perf_counter() - started)


def _finish_matches(matches: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    if matches.is_empty():
        return pl.DataFrame(schema={**MATCH_COLUMNS, "measure_codes": pl.List(pl.String),
                                    "measure_names": pl.List(pl.String)})
    person = pl.col("subject_kind") == PERSON
    masked = {n: masking.mask_name(n) for n in matches.filter(person)["entry_name"].unique().to_list()}
    matches = matches.with_columns(
        subject_name=pl.when(person).then(pl.col("entry_name").replace_strict(masked, default=None,
                                                                              return_dtype=pl.String))
        .otherwise(pl.col("entry_name")),
        subject_code=pl.when(person).then(None).otherwise(pl.col("uscc")),
        masked_id=pl.when(person).then(pl.col("masked_id")),
    ).join(lookup, on=["kind", "domain"], how="left")
    effective = pl.col("entry_status") == EntryStatus.EFFECTIVE.value
    empty = pl.lit([], dtype=pl.List(pl.String))
    matches = matches.with_columns(measure_codes=pl.when(effective).then(pl.col("measure_codes")).otherwise(empty),
                                   measure_names=pl.when(effective).then(pl.col("measure_names")).otherwise(empty))
    order = pl.col("method").replace_strict({BY_CODE: 0, BY_DOCUMENT: 0, BY_NAME: 1}, return_dtype=pl.Int8)
    return (matches.with_columns(_order=order).sort(["idx", "_order", "score", "entry_id"],
                                                    descending=[False, False, True, False])
            .select(*MATCH_COLUMNS, "measure_codes", "measure_names"))


def _finish_rows(rows: pl.DataFrame, matches: pl.DataFrame, bad: dict[int, str],
                 notes: dict[int, list[str]]) -> pl.DataFrame:
    per_row = matches.group_by("idx").agg(
        list_kinds=pl.col("kind").unique(maintain_order=True),
        measure_codes=pl.col("measure_codes").explode().unique(maintain_order=True).drop_nulls(),
        measure_names=pl.col("measure_names").explode().unique(maintain_order=True).drop_nulls())
    errors, extra = {}, dict(notes)
    empty = rows.filter(pl.col("code").is_null() & pl.col("name").is_null())["idx"].to_list()
    errors.update(dict.fromkeys(empty, "统一社会信用代码和名称均为空"))
    for idx, reason in bad.items():
        extra.setdefault(idx, []).insert(0, f"{reason}，已按名称筛查")
    named = set(rows.filter(pl.col("name").is_not_null())["idx"].to_list())
    errors.update({idx: reason for idx, reason in bad.items() if idx not in named})
    for idx, code_ok in rows.filter(~pl.col("name_ok")).select("idx", "code_ok").iter_rows():
        if code_ok:
            extra.setdefault(idx, []).append(f"名称超过 {MAX_NAME} 个字符，未按名称筛查")
        else:
            errors.setdefault(idx, f"名称超过 {MAX_NAME} 个字符")
    for idx in errors:
        extra.pop(idx, None)
    fixed = {"idx": pl.Int64, "error": pl.String}
    err = pl.DataFrame(list(errors.items()), schema=fixed, orient="row")
    note = pl.DataFrame(list(extra.items()), schema={"idx": pl.Int64, "notes": pl.List(pl.String)}, orient="row")
    out = rows.select("idx", "row", "code", "name")
    for extra_columns in (per_row, err, note):
        out = out.join(extra_columns, on="idx", how="left", maintain_order="left")
    status = (pl.when(pl.col("error").is_not_null()).then(pl.lit(ERROR))
              .when(pl.col("list_kinds").is_not_null()).then(pl.lit(HIT)).otherwise(pl.lit(MISS)))
    empty = pl.lit([], dtype=pl.List(pl.String))
    return out.with_columns(status=status, notes=pl.col("notes").fill_null(empty),
                            list_kinds=pl.col("list_kinds").fill_null(empty),
                            measure_codes=pl.col("measure_codes").fill_null(empty),
                            measure_names=pl.col("measure_names").fill_null(empty))
