"""Screening files: read CSV (UTF-8/GBK) or Excel with a code and/or name column; write the result CSV with BOM."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import polars as pl

from xinyong.records.readers import EXCEL_MAGIC, EXCEL_SUFFIXES, HEADER_SEARCH_ROWS, SourceError
from xinyong.records.readers_csv import detect_encoding
from xinyong.screening.service import Screening, with_positions

SAMPLE = 1 << 20
HEADERS = {
    "code": ("统一社会信用代码", "社会信用代码", "信用代码", "代码", "证件号码", "CODE", "USCC", "CREDITCODE", "TYSHXYDM"),
    "name": ("名称", "主体名称", "企业名称", "单位名称", "行政相对人名称", "NAME", "XDRMC"),
    "row": ("序号", "编号", "行号", "ID", "ROW", "NO"),
}
STATUS_TEXT = {"effective": "有效", "suspended": "异议核查中（暂停实施措施）"}
JOIN = "；"


def _loose(name: object) -> str:
    text = unicodedata.normalize("NFKC", "" if name is None else str(name)).strip().strip("\ufeff")
    return re.sub(r"[\s*_\-()（）]", "", text).upper()


_ALIASES = {_loose(a): key for key, names in HEADERS.items() for a in names}


def _header(rows: list[list[object]]) -> tuple[int, dict[str, int]]:
    """(row number of the header, field → column) from the first rows; needs a code or a name column."""
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for j, cell in enumerate(cells):
            key = _ALIASES.get(_loose(cell))
            if key and key not in found:
                found[key] = j
        if "code" in found or "name" in found:
            return i, found
    raise SourceError("未找到表头：需要“统一社会信用代码”和/或“名称”列（也可用 code、name）")


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _table(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows (idx, row, code, name) below the header of an all-text frame without header."""
    at, columns = _header([list(r) for r in frame.head(HEADER_SEARCH_ROWS).iter_rows()])
    names = frame.columns
    clean = frame.slice(at + 1).select(
        pl.col(c).str.strip_chars().replace("", None) for c in names).with_row_index("line", offset=at + 2)
    pick = {k: pl.col(names[columns[k]]) if k in columns else pl.lit(None, pl.String) for k in ("row", "code", "name")}
    out = clean.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in names)).select(
        row=pl.coalesce(pick["row"], pl.col("line").cast(pl.String)), code=pick["code"], name=pick["name"])
    return with_positions(out)


def _csv_table(raw: bytes) -> pl.DataFrame:
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        raise SourceError("文件为空")
    sample = raw[:SAMPLE]
    if len(raw) > SAMPLE:
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    encoding = detect_encoding(sample)
    if encoding != "utf-8":
        try:
            raw = raw.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise SourceError(f"第 {line} 行无法按 {encoding.upper()} 解码，请统一另存为 UTF-8 或 GBK 后重新上传") from exc
    head = raw[:SAMPLE].decode("utf-8", errors="replace").splitlines()[:HEADER_SEARCH_ROWS]
    separator = "\t" if sum(x.count("\t") for x in head) > sum(x.count(",") for x in head) else ","
    width = max((len(r) for r in csv.reader(head, delimiter=separator)), default=1)  # a title row may be narrower
    try:
        return pl.read_csv(io.BytesIO(raw), has_header=False, separator=separator, truncate_ragged_lines=True,
                           schema={f"c{j}": pl.String for j in range(max(width, 1))})
    except pl.exceptions.PolarsError as exc:
        raise SourceError(f"无法解析 CSV 文件：{str(exc).splitlines()[0]}") from exc


def _excel_table(path: Path) -> pl.DataFrame:
    from python_calamine import CalamineWorkbook

    try:
        cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error kinds for damaged files
        raise SourceError(f"无法读取 Excel 文件：{exc}") from exc
    width = max((len(r) for r in cells), default=0)
    if not width:
        raise SourceError("Excel 文件的第一个工作表为空")
    columns = [[_cell(r[j]) if j < len(r) else None for r in cells] for j in range(width)]
    return pl.DataFrame({f"c{j}": col for j, col in enumerate(columns)}, schema={f"c{j}": pl.String for j in range(width)})


def read_rows(path: Path) -> pl.DataFrame:
    """Rows (idx, row, code, name) of a screening file; the row label is the 序号 column or the file line/row."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise SourceError(f"无法读取文件：{exc}") from exc
    if path.suffix.lower() in EXCEL_SUFFIXES or head.startswith(EXCEL_MAGIC):
        return _table(_excel_table(path))
    return _table(_csv_table(path.read_bytes()))


def output_frame(result: Screening) -> pl.DataFrame:
    """One line per input row, one more per extra match, with Chinese headers."""
    joined = lambda c: pl.col(c).list.join(JOIN).replace("", None)  # an empty list is an empty cell
    m = result.matches.with_columns(
        reasons=joined("reasons"), measure_codes=joined("measure_codes"), measure_names=joined("measure_names"),
        entry_status=pl.col("entry_status").replace(STATUS_TEXT))
    rows = result.rows.with_columns(list_kinds=joined("list_kinds"), notes=joined("notes")).drop(
        "measure_codes", "measure_names")
    out = rows.join(m, on="idx", how="left", maintain_order="left", suffix="_m")
    return out.select(
        pl.col("row").alias("行号"), pl.col("code").alias("统一社会信用代码"), pl.col("name").alias("名称"),
        pl.col("status").alias("筛查结果"), pl.col("list_kinds").alias("命中名单类别"),
        pl.col("entry_id").alias("条目编号"), pl.col("kind").alias("名单类别"),
        pl.col("list_type_name").alias("名单类型"), pl.col("domain").alias("领域"),
        pl.col("entry_status").alias("条目状态"), pl.col("valid_until").alias("有效期至"),
        pl.col("subject_name").alias("名单主体名称"), pl.col("subject_code").alias("名单主体代码"),
        pl.col("masked_id").alias("证件号码（脱敏）"), pl.col("method").alias("匹配方式"),
        pl.col("score").round(3).alias("匹配得分"), pl.col("reasons").alias("匹配说明"),
        pl.col("measure_codes").alias("措施代码"), pl.col("measure_names").alias("措施名称"),
        pl.col("error").alias("错误"), pl.col("notes").alias("提示"),
    )


def write_output(result: Screening, path: Path) -> int:
    """Write the result CSV (UTF-8 with BOM, for Excel); returns the number of lines below the header."""
    frame = output_frame(result)
    frame.write_csv(path, include_bom=True)
    return frame.height
