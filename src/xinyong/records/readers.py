"""Input readers of the collection (归集) pipeline: CSV, Excel and JSON rows → streamed polars chunks.

Every reader returns a SourceTable whose `chunks` yield DataFrames of at most `chunk_rows` rows: one
pl.String column per recognised field (surrounding whitespace incl. U+3000 stripped, "" → null), "_row"
(the row number a clerk sees: CSV line, header = line 1; Excel sheet row; JSON list index) and "_shape"
(null, or a Chinese reason why the row's shape is wrong, so the validator rejects just that row).
Whole-file problems raise SourceError with a Chinese message naming the line or sheet.
CSV is read by readers_csv, Excel by readers_excel; JSON rows and the shared header mapping live here.
"""

from __future__ import annotations

import queue
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.errors import InvalidInput

CONTROL_COLUMNS: dict[str, tuple[str, ...]] = {"CZLX": ("操作类型",)}
SAMPLE_BYTES = 1 << 20  # encoding and header detection look at this much of a CSV
CHUNK_ROWS = 20_000  # rows validated and written together: big enough to vectorise, small enough for memory
BLOCK_BYTES = 4 << 20  # CSV read size (4 MB: faster and leaner than 8 MB here)
HEADER_SEARCH_ROWS = 10  # the header may be any of the first rows (below a title row)
EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # zip (xlsx/xlsm/xlsb/ods), OLE2 (xls)
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
T = TypeVar("T")


class SourceError(InvalidInput):
    """A whole-file problem: empty, unreadable, wrong encoding or delimiter, unrecognised header…"""

    code = "unreadable_source"


@dataclass
class SourceTable:
    """An opened source: what its header means, notes for the summary, and its rows as lazy chunks."""

    source_name: str
    fields: list[str]
    unknown_columns: list[str]
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    notes: list[str]
    chunks: Iterator[pl.DataFrame] = field(repr=False)


# ------------------------------------------------------------------------------------------- headers


def clean_header(name: object) -> str:
    """A header cell as text without surrounding whitespace (incl. U+3000) or BOM."""
    return "" if name is None else str(name).strip().strip("\ufeff").strip()


def _loose(name: str) -> str:
    """NFKC (full-width brackets, letters, digits → half-width), no whitespace or '*' marks, upper case."""
    return re.sub(r"[\s\ufeff*]", "", unicodedata.normalize("NFKC", name)).upper()


class HeaderMap:
    """Column names (code, label, legacy code or label; any case, either bracket width) → field codes."""

    def __init__(self, definition: RecordTypeDefinition) -> None:
        self.definition = definition
        self.exact = dict(definition.aliases)
        for code, labels in CONTROL_COLUMNS.items():
            self.exact.update(dict.fromkeys((code, *labels), code))
        self.loose: dict[str, str | None] = {}
        for name, code in self.exact.items():  # a loose form shared by two fields matches neither
            key = _loose(name)
            self.loose[key] = code if self.loose.get(key, code) == code else None

    def lookup(self, name: object) -> str | None:
        text = clean_header(name)
        return (self.exact.get(text) or self.loose.get(_loose(text))) if text else None

    def score(self, row: Iterable[object]) -> int:
        """How many distinct fields a candidate header row names."""
        return len({self.lookup(c) for c in row} - {None})

    def map(self, headers: Sequence[object], where: str = "") -> tuple[list[tuple[int, str]], list[str]]:
        """(column index, field code) pairs and unknown headers; refuses duplicates and no match at all."""
        pairs: list[tuple[int, str]] = []
        unknown: list[str] = []
        first: dict[str, str] = {}
        for i, cell in enumerate(headers):
            name = clean_header(cell)
            code = self.lookup(name)
            if code is None:
                unknown += [name] if name else []
            elif code in first:
                both = f"列“{first[code]}”和“{name}”"
                raise SourceError(f"{where}{both}都对应字段 {self.describe(code)}，请只保留一列")
            else:
                first[code] = name
                pairs.append((i, code))
        if not pairs:
            raise self.unrecognised(where)
        return pairs, unknown

    def describe(self, code: str) -> str:
        f = self.definition.field_map.get(code)
        return f"{code}（{f.label if f else CONTROL_COLUMNS[code][0]}）"

    def unrecognised(self, where: str = "") -> SourceError:
        examples = "、".join(self.describe(c) for c in self.definition.required_fields[:4])
        return SourceError(f"{where}没有可识别的列，不像是《{self.definition.name}》文件。"
                           f"表头应使用字段代码或中文名称，例如：{examples}")


# ------------------------------------------------------------------------------------------- shared


def clean_value(expr: pl.Expr) -> pl.Expr:
    """Strip surrounding whitespace (incl. U+3000) and turn "" into null."""
    return expr.str.strip_chars().replace("", None)


def number_text(value: float) -> str:
    """A number as plain text: no exponent, no trailing '.0'."""
    return format(Decimal(repr(value)).normalize(), "f")


def rechunk(frames: Iterable[pl.DataFrame], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Re-cut a stream of frames into frames of chunk_rows rows (the last may be shorter)."""
    parts: list[pl.DataFrame] = []
    size = 0
    for df in frames:
        while df.height:
            take = min(chunk_rows - size, df.height)
            parts.append(df.slice(0, take))
            size, df = size + take, df.slice(take)
            if size == chunk_rows:
                yield pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]
                parts, size = [], 0
    if size:
        yield pl.concat(parts, rechunk=False) if len(parts) > 1 else parts[0]


def in_background(produce: Callable[[], Iterator[T]], depth: int = 2) -> Iterator[T]:
    """Run a producer in a thread at most `depth` items ahead; its errors are raised in the consumer."""
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop, done = threading.Event(), object()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def run() -> None:
        try:
            items = produce()
            try:
                for item in items:
                    if not put(item):
                        return
            finally:
                getattr(items, "close", lambda: None)()
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed over and re-raised in the consumer
            put(exc)

    thread = threading.Thread(target=run, name="xinyong-reader", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


# ------------------------------------------------------------------------------------------- entry points


def open_file(path: Path, definition: RecordTypeDefinition, *, chunk_rows: int = CHUNK_ROWS) -> SourceTable:
    """Open an uploaded CSV or Excel file; its content decides which (the extension only for notes)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(SAMPLE_BYTES)
    except OSError as exc:
        raise SourceError(f"无法读取文件 {path.name}：{exc.strerror or exc}") from exc
    if size == 0:
        raise SourceError(f"文件为空：{path.name}")
    if head.startswith(EXCEL_MAGIC):
        from xinyong.records.readers_excel import open_excel

        return open_excel(path, definition, chunk_rows=chunk_rows)
    notes = []
    if path.suffix.lower() in EXCEL_SUFFIXES:
        notes.append(f"文件扩展名为 {path.suffix}，但内容是文本，已按 CSV 读取")
    from xinyong.records.readers_csv import open_csv

    return open_csv(path, head, size, definition, chunk_rows, notes)


def _scalar(value: object, key: str) -> tuple[str | None, str | None]:
    """(text, problem) of one JSON value."""
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return None, f"字段 {key} 的值是布尔值 {str(value).lower()}，应为文本"
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float) and value - value == 0:  # not nan or inf
        return number_text(value), None
    return None, f"字段 {key} 的值 {str(value)[:50]} 不是文本或数字"


def open_rows(rows: list[dict[str, object]], definition: RecordTypeDefinition, *,
              source_name: str = "api") -> SourceTable:
    """A JSON batch: keys are field codes or labels; "_row" is the 1-based index in the list."""
    if not rows:
        raise SourceError("批次为空：没有任何记录")
    hmap = HeaderMap(definition)
    mapped = {k: hmap.lookup(k) for k in dict.fromkeys(k for r in rows if isinstance(r, dict) for k in r)}
    fields = list(dict.fromkeys(c for c in mapped.values() if c))
    if not fields:
        raise hmap.unrecognised("记录中")
    columns: dict[str, list[str | None]] = {code: [] for code in fields}
    shapes: list[str | None] = []
    for row in rows:
        values: dict[str, str | None] = {}
        problems = [] if isinstance(row, dict) else [f"该条记录是 {type(row).__name__}，应为 JSON 对象"]
        for key, value in (row.items() if isinstance(row, dict) else ()):
            if (code := mapped[key]) is not None:
                if code in values:
                    problems.append(f"字段 {hmap.describe(code)} 出现了两次")
                values[code], problem = _scalar(value, key)
                problems += [problem] if problem else []
        for code in fields:
            columns[code].append(values.get(code))
        shapes.append("；".join(problems) or None)
    schema = {**dict.fromkeys(fields, pl.String), "_shape": pl.String}
    df = pl.DataFrame({**columns, "_shape": shapes}, schema=schema)
    df = df.select(*(clean_value(pl.col(c)).alias(c) for c in fields),
                   pl.int_range(1, df.height + 1, dtype=pl.Int64).alias("_row"), "_shape")
    unknown = [k for k, c in mapped.items() if c is None]
    return SourceTable(source_name, fields, unknown, None, None, None, [], iter([df]))


def __getattr__(name: str) -> Any:
    """CSV internals that moved to readers_csv (readers._Gb18030, readers.detect_encoding…)."""
    from xinyong.records import readers_csv

    try:
        return getattr(readers_csv, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
