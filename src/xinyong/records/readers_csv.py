"""CSV reader for the collection pipeline: encoding detection, block splitting, transcoding, polars parsing.

CSV is streamed, never loaded whole: the file is read in BLOCK_BYTES blocks cut only at a newline outside
double quotes (neither a newline nor '"' byte occurs inside a UTF-8 or GB18030 multi-byte character).
One thread reads and transcodes blocks to UTF-8 (iconv through ctypes, which releases the GIL; Python's
codec where iconv is missing), a second parses them with polars, each at most two blocks ahead of the
consumer. Mixed encodings in the first SAMPLE_BYTES are refused before any row is handed out; a
decoding error further on raises SourceError mid-stream (the caller's batch is atomic).
"""

from __future__ import annotations

import codecs
import csv
import ctypes
import ctypes.util
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import polars as pl

from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.records import readers  # SAMPLE_BYTES, BLOCK_BYTES read at call time: values set there count
from xinyong.records.readers import (
    HEADER_SEARCH_ROWS,
    HeaderMap,
    SourceError,
    SourceTable,
    clean_value,
    in_background,
    rechunk,
)

MAX_RECORD_BYTES = 64 << 20  # a single record longer than this means an unclosed quote
_SENTINEL = "\x01"  # appended to every line as an extra cell: where it lands gives the row's cell count
_GB = "gb18030"


# ------------------------------------------------------------------------------------------- CSV encoding


def _kind(line: bytes) -> str:
    """'a' ASCII, 'u' surely UTF-8 (valid, ≥ 2 multi-byte characters), 'g' GB18030, 'x' neither."""
    if line.isascii():
        return "a"
    try:
        if len(line) - len(line.decode("utf-8")) >= 4:
            return "u"
    except UnicodeDecodeError:
        pass
    try:
        line.decode(_GB)
        return "g"
    except UnicodeDecodeError:
        return "x"


def _undecodable(line: int, encoding: str) -> SourceError:
    return SourceError(f"第 {line} 行无法按 {encoding.upper()} 解码（文件中混用了多种编码？），"
                       "请统一另存为 UTF-8 或 GBK 后重新上传")


def detect_encoding(sample: bytes, first_line: int = 1) -> str:
    """'utf-8' (also for pure ASCII) or 'gb18030' for a sample of whole lines; refuses a mixture."""
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    kinds = [_kind(line) for line in sample.split(b"\n")]
    if kinds.count("u") > kinds.count("g") + kinds.count("x"):  # UTF-8 with some lines in another encoding
        raise _undecodable(first_line + next(i for i, k in enumerate(kinds) if k in "gx"), "utf-8")
    if "u" in kinds:
        raise SourceError(f"第 {first_line + kinds.index('u')} 行是 UTF-8 编码，而文件其余部分是 GBK/GB18030"
                          "（文件中混用了多种编码？），请统一另存为 UTF-8 或 GBK 后重新上传")
    if "x" in kinds:
        _refuse_other_encoding(sample)
        raise _undecodable(first_line + kinds.index("x"), _GB)
    return _GB


def _refuse_other_encoding(sample: bytes) -> None:
    """Refuse what charset-normalizer takes for Big5, Shift_JIS…: GB18030 decodes many as garbage."""
    from charset_normalizer import from_bytes

    matches = from_bytes(sample[:65536])
    best = matches.best()
    ours = {"gb18030", "gbk", "gb2312", "utf8", "ascii"}
    if best is None or any(m.encoding.replace("_", "") in ours and m.chaos <= best.chaos + 0.01 for m in matches):
        return  # short Chinese samples fit Big5 or CP949 as well: only a clear verdict counts
    raise SourceError(f"文件编码疑似 {best.encoding}，只接受 UTF-8 或 GBK/GB18030 编码的 CSV，请另存后重新上传")


class _Gb18030:
    """GB18030 → UTF-8 with iconv through ctypes (the GIL is released meanwhile), else Python's codec."""

    def __init__(self) -> None:
        self.lib, self.cd = None, None
        for name in (None, ctypes.util.find_library("iconv")):
            try:
                lib = ctypes.CDLL(name)
                lib.iconv_open.restype, lib.iconv_open.argtypes = ctypes.c_void_p, [ctypes.c_char_p] * 2
            except (OSError, AttributeError):
                continue
            cd = lib.iconv_open(b"UTF-8", b"GB18030")
            if cd not in (None, ctypes.c_void_p(-1).value):
                ptr, size = ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)
                lib.iconv.restype = ctypes.c_size_t
                lib.iconv.argtypes = [ctypes.c_void_p, ptr, size, ptr, size]
                lib.iconv_close.argtypes = [ctypes.c_void_p]
                self.lib, self.cd = lib, cd
                return

    def convert(self, data: bytes) -> bytes:
        """UTF-8 bytes; UnicodeDecodeError (.start = offset) at an invalid sequence.

        glibc maps 25 rare codes (vertical forms, a few CJK) per GB18030-2022 where Python's codec uses the
        2000 private-use mapping, and refuses their old 4-byte forms: a block iconv refuses is retried with
        Python's codec, which then has the last word."""
        if self.lib is not None:
            out = ctypes.create_string_buffer(2 * len(data) + 16)  # 2 → 3 bytes is the worst growth
            src, src_left = ctypes.c_char_p(data), ctypes.c_size_t(len(data))
            dst, dst_left = ctypes.c_char_p(ctypes.addressof(out)), ctypes.c_size_t(len(out))  # cast() leaks
            self.lib.iconv(self.cd, None, None, None, None)
            if self.lib.iconv(self.cd, ctypes.byref(src), ctypes.byref(src_left),
                              ctypes.byref(dst), ctypes.byref(dst_left)) != ctypes.c_size_t(-1).value:
                return ctypes.string_at(out, len(out) - dst_left.value)
        return data.decode(_GB).encode("utf-8")

    def close(self) -> None:
        if self.lib is not None:
            self.lib.iconv_close(self.cd)
            self.lib = None


# ------------------------------------------------------------------------------------------- CSV layout


def _find_header(text: str, hmap: HeaderMap) -> tuple[str, list[str], int, int]:
    """(delimiter, cells, first line, last line) of the best header among the first records."""
    best: tuple[tuple[int, int], str, list[str], int, int] | None = None
    for delim in (",", "\t"):
        reader, end = csv.reader(io.StringIO(text), delimiter=delim), 0
        for _ in range(HEADER_SEARCH_ROWS):
            try:
                row = next(reader)
            except (StopIteration, csv.Error):
                break
            start, end = end + 1, reader.line_num
            key = (hmap.score(row), len(row))
            if any(c.strip() for c in row) and (best is None or key > best[0]):
                best = (key, delim, row, start, end)
    if best is None or best[0][0] == 0:
        first = text.lstrip().split("\n", 1)[0]
        others = sum(first.count(s) for s in ";；|")
        if others and others > max(first.count(","), first.count("\t")):
            raise SourceError("分隔符应为逗号或制表符：第 1 行似乎用分号或竖线分隔，请另存为逗号分隔的 CSV")
        raise hmap.unrecognised(f"前 {HEADER_SEARCH_ROWS} 行中")
    return best[1], best[2], best[3], best[4]


def _unclosed(buf: bytes, line: int) -> SourceError:
    opened, odd = line, False
    for i, text in enumerate(buf.split(b"\n")):
        if text.count(b'"') % 2:
            odd = not odd
            opened = line + i if odd else opened
    return SourceError(f"第 {opened} 行起双引号不成对（引号未闭合），请检查该行后重新上传")


def _blocks(f: BinaryIO, line: int) -> Iterator[tuple[int, int, bytes]]:
    """(first line, line count, bytes) of whole records, each ending with a newline outside quotes."""
    rest, odd = b"", 0  # an unfinished record and the parity of its quotes
    while data := f.read(readers.BLOCK_BYTES):
        quoted = b'"' in data
        pos = data.rfind(b"\n")
        cut_odd = odd ^ (data.count(b'"', 0, max(pos, 0)) & 1) if quoted else odd
        while cut_odd and pos >= 0:  # a newline inside quotes: walk back to one outside
            prev = data.rfind(b"\n", 0, pos)
            cut_odd ^= data.count(b'"', prev + 1, pos) & 1
            pos = prev
        if pos < 0:
            rest, odd = rest + data, odd ^ (data.count(b'"') & 1 if quoted else 0)
            if len(rest) > MAX_RECORD_BYTES:
                raise _unclosed(rest, line)
            continue
        block, rest = rest + data[: pos + 1], data[pos + 1:]
        odd = rest.count(b'"') & 1 if quoted else 0
        lines = block.count(b"\n")
        yield line, lines, block
        line += lines
    if rest.strip():
        if odd:
            raise _unclosed(rest, line)
        rest += b"" if rest.endswith(b"\n") else b"\n"
        yield line, rest.count(b"\n"), rest


class _CsvSource:
    """One CSV stream: the layout its header gave and the encoding in use."""

    def __init__(self, path: Path, table: SourceTable, offset: int, first_line: int,
                 width: int, pairs: list[tuple[int, str]], ascii_so_far: bool) -> None:
        self.path, self.table, self.offset, self.first_line = path, table, offset, first_line
        self.width, self.pairs, self.ascii_so_far = width, pairs, ascii_so_far
        self.sep = table.delimiter or ","

    def frames(self) -> Iterator[pl.DataFrame]:
        for line, lines, data in in_background(self._utf8_blocks):
            df = self._parse(data, line, lines)
            if df.height:
                yield df

    def _utf8_blocks(self) -> Iterator[tuple[int, int, bytes]]:
        gb = _Gb18030()
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                for line, lines, block in _blocks(f, self.first_line):
                    yield line, lines, self._to_utf8(gb, block, line)
        finally:
            gb.close()

    def _to_utf8(self, gb: _Gb18030, block: bytes, line: int) -> bytes:
        if self.table.encoding != _GB:
            if not self.ascii_so_far or block.isascii():
                return block  # polars checks UTF-8; _parse names the line if it fails
            self.ascii_so_far = False
            if detect_encoding(block, line) != _GB:
                return block
            self.table.encoding = _GB  # only ASCII before: GB18030 reads that part the same
            self.table.notes.append(f"文件前部只有 ASCII 字符，自第 {line} 行起按 GB18030 解码")
        try:
            return gb.convert(block)
        except UnicodeDecodeError as exc:
            raise _undecodable(line + block.count(b"\n", 0, exc.start), _GB) from exc

    def _parse(self, data: bytes, line: int, lines: int) -> pl.DataFrame:
        """Parse a block of whole records with polars; the sentinel cell shows each row's shape."""
        n, sep = self.width, self.sep
        mark = sep + _SENTINEL + "\n"
        names = [f"c{i}" for i in range(n + 1)]
        try:
            df = pl.read_csv(data.replace(b"\n", mark.encode()), has_header=False, separator=sep,
                             quote_char='"', schema=dict.fromkeys(names, pl.String), missing_columns="insert",
                             truncate_ragged_lines=True, extra_columns="ignore", empty_string_is_null=False)
        except pl.exceptions.PolarsError as exc:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise _undecodable(line + data.count(b"\n", 0, bad.start), "utf-8") from exc
            return self._finish(self._parse_slowly(text, line), [pl.col(f"c{i}") for i in range(n)])
        cols = [pl.col(c) for c in names]
        if df.height == lines:
            df = df.with_columns(_row=pl.int_range(line, line + lines, dtype=pl.Int64),
                                 _span=pl.lit(1, pl.Int64))
        else:  # newlines inside quotes got the sentinel too: count them for line numbers, then remove
            span = 1 + pl.sum_horizontal(c.str.count_matches(mark[1:], literal=True) for c in cols)
            df = df.with_columns(c.str.replace_all(mark, "\n", literal=True) for c in cols)
            df = df.with_columns(_span=span.cast(pl.Int64)).with_columns(
                _row=line + pl.col("_span").cum_sum() - pl.col("_span"))
        if df.select((cols[n] == _SENTINEL).fill_null(False).all()).item():
            return self._finish(df.with_columns(_shape=pl.lit(None, pl.String), _long=pl.lit(False)), cols)
        cols_without_sentinel = [pl.when(c != _SENTINEL).then(c) for c in cols]
        return self._finish(self._ragged(df, cols, data, line), cols_without_sentinel)

    def _finish(self, df: pl.DataFrame, cols: Sequence[pl.Expr]) -> pl.DataFrame:
        """Select the recognised columns, cleaned, with _row and _shape; drop entirely blank rows."""
        known = {i for i, _ in self.pairs}
        others = [clean_value(cols[i]).is_null() for i in range(self.width) if i not in known]
        out = df.select(*(clean_value(cols[i]).alias(code) for i, code in self.pairs), "_row", "_shape",
                        pl.all_horizontal(*others, ~pl.col("_long")).alias("_blank"))
        blank = pl.all_horizontal(*(pl.col(code).is_null() for _, code in self.pairs), "_blank")
        if out.select(blank.any()).item():
            out = out.filter(~blank)
        return out.drop("_blank")

    def _ragged(self, df: pl.DataFrame, cols: list[pl.Expr], data: bytes, line: int) -> pl.DataFrame:
        """_shape for rows with fewer or more cells than the header; _long: more, and not only blanks."""
        n = self.width
        pos = pl.coalesce(pl.when(c == _SENTINEL).then(pl.lit(i, pl.Int64)) for i, c in enumerate(cols))
        df = df.with_columns(_pos=pos).with_columns(
            _shape=pl.when(pl.col("_pos") < n).then(pl.format("该行有 {} 列，表头有 {} 列", "_pos", pl.lit(n))),
            _long=pl.col("_pos").is_null())
        longer = df.with_row_index("_i").filter("_long").select("_i", "_row", "_span")
        if longer.height:  # look at the (few) longer rows in Python; trailing blank cells are harmless
            raw = data.split(b"\n")
            texts = [b"\n".join(raw[row - line: row - line + span]) for _, row, span in longer.iter_rows()]
            fix = pl.Series([self._record(t.decode("utf-8", "replace"))[1] for t in texts], dtype=pl.String)
            df = df.with_columns(_shape=df["_shape"].scatter(longer["_i"], fix),
                                 _long=df["_long"].scatter(longer["_i"], fix.is_not_null()))
        return df.drop("_pos")

    def _parse_slowly(self, text: str, line: int) -> pl.DataFrame:
        """Python's csv for a block polars refuses (a stray quote): each bad record gets its own _shape."""
        lines, records, end = text.split("\n"), [], 0
        reader = csv.reader(io.StringIO(text), delimiter=self.sep)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:  # e.g. a field beyond csv.field_size_limit()
                raise SourceError(f"第 {line + end} 行无法按 CSV 格式解析：{exc}") from exc
            start, end = end, reader.line_num
            if cells:
                records.append((line + start, self._record("\n".join(lines[start:end]))))
        n = self.width
        cells_of = [cells for _, (cells, _) in records]
        columns = {f"c{i}": [c[i] if i < len(c) else None for c in cells_of] for i in range(n)}
        return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String)).with_columns(
            _row=pl.Series([r for r, _ in records], dtype=pl.Int64),
            _shape=pl.Series([why for _, (_, why) in records], dtype=pl.String),
            _long=pl.Series([why is not None and any(c.strip() for c in cells) for cells, why in
                             (r for _, r in records)], dtype=pl.Boolean))

    def _record(self, text: str) -> tuple[list[str], str | None]:
        """Cells of one record (read leniently) and what is wrong with it, if anything."""
        n, why = self.width, None
        try:
            cells = next(csv.reader(io.StringIO(text), delimiter=self.sep, strict=True), [])
        except csv.Error:
            why = '该行的双引号使用不规范（字段内的双引号应写成两个 ""，并用双引号括住整个字段）'
            try:
                cells = next(csv.reader(io.StringIO(text), delimiter=self.sep), [])
            except csv.Error:
                cells = text.split(self.sep)
        if len(cells) < n or any(c.strip() for c in cells[n:]):
            why = why or f"该行有 {len(cells)} 列，表头有 {n} 列"
        return cells, why


def open_csv(path: Path, head: bytes, size: int, definition: RecordTypeDefinition,
              chunk_rows: int, notes: list[str]) -> SourceTable:
    name = path.name
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SourceError(f"{name} 是 UTF-16 编码（Excel 的“Unicode 文本”），"
                          "请另存为“CSV UTF-8（逗号分隔）”或直接上传 .xlsx 文件")
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    body = head[bom:]
    if not body.strip():
        raise SourceError(f"文件为空：{name}")
    if b"\x00" in body:
        raise SourceError(f"{name} 含有空字节，不是文本格式的 CSV，请上传 CSV 或 Excel 文件")
    if b"\r" in body and b"\n" not in body:
        raise SourceError(f"{name} 的换行符是旧式的 CR（Mac），请用 Excel 或记事本另存为 CSV 后重新上传")
    whole = size <= len(head)
    if not whole:  # detect from whole lines only
        if (end := body.rfind(b"\n")) < 0:
            raise SourceError(f"{name} 的第 1 行超过 {readers.SAMPLE_BYTES >> 20} MB，不是有效的表头")
        body = body[: end + 1]
    encoding = "utf-8" if bom else detect_encoding(body)
    if bom:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _undecodable(1 + body.count(b"\n", 0, exc.start), "utf-8") from exc
    hmap = HeaderMap(definition)
    try:
        delim, header, start, end = _find_header(body.decode(encoding), hmap)
    except SourceError:
        if encoding == _GB:
            _refuse_other_encoding(body)
        raise
    pairs, unknown = hmap.map(header, f"第 {start} 行表头中" if start > 1 else "")
    if start > 1:
        notes.append(f"表头位于第 {start} 行，已跳过上方 {start - 1} 行")
    offset = 0
    for _ in range(end):
        offset = (body.find(b"\n", offset) + 1) or len(body)
    if whole and not body[offset:].strip():
        notes.append("文件只有表头，没有数据行")
    table = SourceTable(name, [c for _, c in pairs], unknown, "utf-8-sig" if bom else encoding, delim, None,
                        notes, iter(()))
    source = _CsvSource(path, table, bom + offset, end + 1, len(header), pairs, not bom and body.isascii())
    table.chunks = rechunk(in_background(source.frames), chunk_rows)
    return table
