"""Excel reader (.xlsx/.xlsm/.xlsb/.xls/.ods through python-calamine) for the collection pipeline.

The sheet whose header row (one of the first HEADER_SEARCH_ROWS rows) names the most fields is read;
rows are converted HEADER_SEARCH_ROWS… in chunks of chunk_rows. Cell values become text the way a clerk
typed them: whole numbers without ".0", dates as ISO "YYYY-MM-DD", Excel serial numbers in date fields
as dates (1900 date system), formulas as their cached value. calamine parses a whole sheet into memory
(in Rust) before rows can be read, so very large workbooks are refused with advice to use CSV.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

import polars as pl
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook, PasswordError, SheetTypeEnum

from xinyong.catalog.definitions import FieldType, RecordTypeDefinition
from xinyong.records.readers import (
    CHUNK_ROWS,
    HEADER_SEARCH_ROWS,
    HeaderMap,
    SourceError,
    SourceTable,
    clean_value,
    number_text,
    rechunk,
)

MAX_EXCEL_BYTES = 100 << 20  # calamine parses a whole sheet into memory: larger workbooks must come as CSV
MAX_EXCEL_CELLS = 4_000_000  # ~50 bytes a cell in calamine: about 200 MB (180,000 rows of 22 columns)
MAX_SHEET_XML_BYTES = 320 << 20  # the same, for a sheet without <dimension> (~80 bytes of XML a cell)
_BATCH_ROWS = 5_000  # rows turned into Python objects at a time
PRECISION_LOST = "数值型单元格可能已丢失精度，请将该列设为文本格式"
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 61 = 1900-03-01 (serial 60 is Excel's fictitious 1900-02-29)


def _column_name(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _serial_date(value: float) -> str | None:
    """ISO date of an Excel 1900-system serial number, or None if it is not a plausible date."""
    if not 1 <= value < 2958466:  # 1900-01-01 … 9999-12-31
        return None
    days = int(value)
    if days == 60:
        return None
    return (_EXCEL_EPOCH + dt.timedelta(days=days + (1 if days < 60 else 0))).isoformat()


def _cell(value: object, ftype: FieldType | None) -> tuple[str | None, str | None]:
    """(text, problem) of one cell for a field of the given type."""
    if value.__class__ is str:
        return value or None, None  # type: ignore[return-value]
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, f"单元格是逻辑值 {str(value).upper()}，应为文本"
    if isinstance(value, (int, float)):
        if ftype is FieldType.DATE and (date := _serial_date(float(value))):
            return date, None
        if isinstance(value, float) and not value.is_integer():
            return (number_text(value), None) if value - value == 0 else (None, "单元格不是有效数字")
        text = str(int(value))
        lost = ftype in (FieldType.USCC, FieldType.ID_NUMBER) and abs(value) >= 1e15
        return text, (PRECISION_LOST if lost else None)
    if isinstance(value, dt.datetime):
        if ftype is FieldType.DATE or value.time() == dt.time(0):
            return value.date().isoformat(), None
        return value.isoformat(sep=" "), None
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(), None
    return str(value), None


class _Sheet:
    """The chosen sheet: header position, mapped columns and field types."""

    def __init__(self, sheet: CalamineSheet, header_index: int, pairs: list[tuple[int, str]],
                 width: int, definition: RecordTypeDefinition) -> None:
        self.sheet, self.header_index, self.pairs = sheet, header_index, pairs
        types = {f.code: f.type for f in definition.fields}
        self.types = [types.get(code) for _, code in pairs]
        known = {i for i, _ in pairs}
        self.others = [i for i in range(width) if i not in known]

    def frames(self) -> Iterator[pl.DataFrame]:
        rows = self.sheet.iter_rows()  # from sheet row 1, whatever the used range
        for _ in range(self.header_index + 1):
            next(rows, None)
        first = self.header_index + 2
        while batch := list(islice(rows, _BATCH_ROWS)):
            df = self._frame(batch, first)
            first += len(batch)
            if df.height:
                yield df

    def _frame(self, batch: Sequence[Sequence[object]], first: int) -> pl.DataFrame:
        """Cells → text column by column; rows with nothing in them are dropped."""
        columns = list(zip(*batch))
        empty = ("",) * len(batch)
        data: dict[str, object] = {}
        problems: dict[int, list[str]] = {}
        for (index, code), ftype in [*zip(self.pairs, self.types), *((p, None) for p in
                                                                   ((i, f"_u{i}") for i in self.others))]:
            cells = columns[index] if index < len(columns) else empty
            if all(c.__class__ is str for c in cells):
                data[code] = cells
                continue
            data[code] = values = []
            for k, cell in enumerate(cells):
                text, problem = _cell(cell, ftype)
                values.append(text)
                if problem and not code.startswith("_u"):
                    problems.setdefault(k, []).append(f"{code}：{problem}")
        codes = [code for _, code in self.pairs]
        shapes = ["；".join(problems[k]) if k in problems else None for k in range(len(batch))]
        df = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String)).select(
            *(clean_value(pl.col(c)).alias(c) for c in data),
            pl.int_range(first, first + len(batch), dtype=pl.Int64).alias("_row"),
            pl.Series("_shape", shapes, dtype=pl.String))
        blank = pl.all_horizontal(*(pl.col(c).is_null() for c in data), pl.col("_shape").is_null())
        return df.filter(~blank).select(*codes, "_row", "_shape")


def _header(sheet: CalamineSheet, hmap: HeaderMap) -> tuple[int, int, Sequence[object]]:
    """(score, index, cells) of the best header among the sheet's first rows."""
    best: tuple[int, int, Sequence[object]] = (0, 0, [])
    for index, row in zip(range(HEADER_SEARCH_ROWS), sheet.iter_rows()):
        if (score := hmap.score(row)) > best[0]:
            best = (score, index, row)
    return best


def _refuse_huge(path: Path) -> None:
    """Refuse, before calamine parses it, a workbook whose sheets would not fit the memory bar."""
    advice = "请另存为 CSV（UTF-8 或 GBK）后上传"
    if path.stat().st_size > MAX_EXCEL_BYTES:
        raise SourceError(f"Excel 文件 {path.name} 超过 {MAX_EXCEL_BYTES >> 20} MB，{advice}")
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                    continue
                with z.open(info) as f:
                    found = re.search(rb'<dimension ref="[A-Z]+[0-9]+:([A-Z]+)([0-9]+)"', f.read(4096))
                letters = found[1].decode() if found else ""
                cols = sum(26**i * (ord(c) - 64) for i, c in enumerate(reversed(letters)))
                rows = int(found[2]) if found else 0
                if rows * cols > MAX_EXCEL_CELLS or (not found and info.file_size > MAX_SHEET_XML_BYTES):
                    size = f"约 {rows:,} 行 × {cols} 列" if found else f"{info.file_size >> 20} MB"
                    raise SourceError(f"Excel 文件 {path.name} 的工作表过大（{size}），{advice}")
    except (zipfile.BadZipFile, OSError):
        return  # not a zip workbook (.xls holds at most 65,536 rows) or damaged: calamine reports it


def open_excel(path: Path, definition: RecordTypeDefinition, *, chunk_rows: int = CHUNK_ROWS) -> SourceTable:
    """Open a workbook and pick the sheet and header row that best match the record type."""
    name = path.name
    _refuse_huge(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        hmap = HeaderMap(definition)
        best: tuple[int, int, Sequence[object], str, CalamineSheet] | None = None
        for sheet_name in names:
            sheet = book.get_sheet_by_name(sheet_name)
            score, index, row = _header(sheet, hmap)
            if score and (best is None or score > best[0]):
                best = (score, index, row, sheet_name, sheet)
        book.close()  # the chosen sheet is already parsed
    except PasswordError as exc:
        raise SourceError(f"工作簿 {name} 设有密码，请取消密码后重新上传") from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise SourceError(f"无法作为 Excel 工作簿读取 {name}：{exc}") from exc
    if best is None:
        sheets = "、".join(names)
        raise hmap.unrecognised(f"工作簿 {name} 的{len(names)}个工作表（{sheets}）前 {HEADER_SEARCH_ROWS} 行中")
    _, index, header, sheet_name, sheet = best
    pairs, unknown = hmap.map(header, f"工作表“{sheet_name}”第 {index + 1} 行表头中")
    notes = []
    if len(names) > 1:
        ignored = "".join(f"“{n}”" for n in names if n != sheet_name)
        notes.append(f"工作簿有{len(names)}个工作表，已读取“{sheet_name}”，忽略{ignored}")
    if index:
        notes.append(f"工作表“{sheet_name}”的表头位于第 {index + 1} 行，已跳过上方 {index} 行")
    if sheet.end is None or sheet.end[0] <= index:
        notes.append("工作表只有表头，没有数据行")
    merged = [(a, b) for a, b in (sheet.merged_cell_ranges or []) if b[0] > index]
    if merged:
        (r0, c0), (r1, c1) = merged[0]
        example = f"{_column_name(c0)}{r0 + 1}:{_column_name(c1)}{r1 + 1}"
        notes.append(f"检测到合并单元格（{len(merged)} 处，如 {example}）：合并区域只有左上角单元格有值，"
                     "其余单元格按空值读取；请取消合并并填满每一行后重新上传")
    chosen = _Sheet(sheet, index, pairs, len(header), definition)
    return SourceTable(name, [c for _, c in pairs], unknown, None, None, sheet_name, notes,
                       rechunk(chosen.frames(), chunk_rows))
