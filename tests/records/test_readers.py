"""Input readers: real CSV/Excel files written to tmp_path, JSON rows, and every bad input of issue 3."""

from __future__ import annotations

import datetime as dt
import re
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest

from xinyong.catalog.definitions import RecordTypeDefinition, load_builtin_definitions
from xinyong.records import readers
from xinyong.records.readers import SourceError, SourceTable, open_file, open_rows

HEADER = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WSH", "CF_CFLB", "CF_NR", "CF_JDRQ"]
LABELS = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "行政处罚决定书文号", "处罚类别", "处罚内容", "处罚决定日期"]


@pytest.fixture(scope="module")
def xzcf() -> RecordTypeDefinition:
    return {d.code: d for d in load_builtin_definitions()}["xzcf"]


def row(i: int, name: str | None = None) -> list[str]:
    return [name or f"上海某某贸易有限公司{i}", "法人及非法人组织", "91310000MA1FL8XQ2C", f"沪市监罚〔2023〕{i}号",
            "罚款", f"罚款人民币{i}元", "2023-05-01"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, *, encoding: str = "utf-8",
              sep: str = ",", eol: str = "\r\n") -> Path:
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    path.write_bytes((eol.join(lines) + eol).encode(encoding))
    return path


def read_all(table: SourceTable) -> pl.DataFrame:
    chunks = list(table.chunks)
    return pl.concat(chunks) if chunks else pl.DataFrame()


def refused(path: Path, definition: RecordTypeDefinition, **kw: object) -> str:
    with pytest.raises(SourceError) as caught:
        read_all(open_file(path, definition, **kw))
    assert caught.value.code == "unreadable_source" and caught.value.status == 422
    return caught.value.message


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny read blocks, so block boundaries fall inside records and quoted fields."""
    monkeypatch.setattr(readers, "BLOCK_BYTES", 37)


# ------------------------------------------------------------------------------------------- encodings


def test_utf8_with_codes(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    table = open_file(write_csv(tmp_path / "a.csv", [row(1), row(2)]), xzcf)
    assert (table.source_name, table.encoding, table.delimiter, table.sheet) == ("a.csv", "utf-8", ",", None)
    assert table.fields == HEADER and table.unknown_columns == [] and table.notes == []
    df = read_all(table)
    assert df.columns == [*HEADER, "_row", "_shape"]
    assert df.schema["_row"] == pl.Int64 and all(df.schema[c] == pl.String for c in [*HEADER, "_shape"])
    assert df["_row"].to_list() == [2, 3] and df["_shape"].to_list() == [None, None]
    assert df.row(0)[:7] == tuple(row(1))


def test_utf8_bom(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + write_csv(tmp_path / "x.csv", [row(1)]).read_bytes())
    table = open_file(path, xzcf)
    assert table.encoding == "utf-8-sig" and table.fields[0] == "CF_XDR_MC"
    assert read_all(table)["CF_XDR_MC"].to_list() == ["上海某某贸易有限公司1"]


def test_gbk_with_chinese_labels(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    table = open_file(write_csv(tmp_path / "gbk.csv", [row(1), row(2)], LABELS, encoding="gbk"), xzcf)
    assert table.encoding == "gb18030" and table.fields == HEADER
    df = read_all(table)
    assert df.row(1)[:7] == tuple(row(2)) and df["_row"].to_list() == [2, 3]


def test_gb18030_only_characters(tmp_path: Path, xzcf: RecordTypeDefinition, small_blocks: None) -> None:
    names = ["𠀀记商行", "䶮氏餐饮", "中文€・—～【】《》　全角"]
    rows = [row(i, n) for i, n in enumerate(names)]
    table = open_file(write_csv(tmp_path / "g.csv", rows, encoding="gb18030"), xzcf)
    assert table.encoding == "gb18030"
    assert read_all(table)["CF_XDR_MC"].to_list() == ["𠀀记商行", "䶮氏餐饮", "中文€・—～【】《》　全角"]


def test_python_codec_fallback_reads_the_same(tmp_path: Path, xzcf: RecordTypeDefinition,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "g.csv", [row(1, "䶮氏𠀀餐饮")], encoding="gb18030")
    monkeypatch.setattr(readers._Gb18030, "__init__", lambda self: setattr(self, "lib", None))
    assert read_all(open_file(path, xzcf))["CF_XDR_MC"].to_list() == ["䶮氏𠀀餐饮"]


def test_ascii_start_then_gbk_later(tmp_path: Path, xzcf: RecordTypeDefinition,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 300)
    monkeypatch.setattr(readers, "BLOCK_BYTES", 100)
    rows = [row(i, f"Shanghai Trading Co {i}") for i in range(5)] + [row(9, "杭州某某有限公司")]
    rows = [[c if c.isascii() else "x" for c in r] for r in rows[:5]] + rows[5:]
    table = open_file(write_csv(tmp_path / "late.csv", rows, encoding="gbk"), xzcf)
    assert table.encoding == "utf-8"
    df = read_all(table)
    assert df["CF_XDR_MC"].to_list()[-1] == "杭州某某有限公司" and df["_row"].to_list() == [2, 3, 4, 5, 6, 7]
    assert table.encoding == "gb18030" and "自第 7 行起按 GB18030 解码" in table.notes[0]


def test_mixed_encodings_refused_before_any_row(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    path = tmp_path / "mixed.csv"
    lines = [",".join(HEADER).encode()] + [",".join(row(i)).encode("gbk") for i in range(5)]
    lines.insert(4, ",".join(row(7)).encode("utf-8"))  # line 5 was saved as UTF-8
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    with pytest.raises(SourceError, match=r"第 5 行.*UTF-8.*混用了多种编码.*请统一另存为 UTF-8 或 GBK"):
        open_file(path, xzcf)  # refused at open: no chunk was handed out
    lines = [",".join(HEADER).encode()] + [",".join(row(i)).encode() for i in range(5)]
    lines.insert(3, ",".join(row(7)).encode("gbk"))  # a UTF-8 file with one GBK line (line 4)
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(SourceError, match=r"第 4 行无法按 UTF-8 解码（文件中混用了多种编码？）"):
        open_file(path, xzcf)


def test_decoding_error_after_the_sample_names_the_line(tmp_path: Path, xzcf: RecordTypeDefinition,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "SAMPLE_BYTES", 400)
    monkeypatch.setattr(readers, "BLOCK_BYTES", 150)
    lines = [",".join(HEADER).encode("gbk")] + [",".join(row(i)).encode("gbk") for i in range(40)]
    lines[30] = "中,".encode() + lines[30]  # UTF-8 bytes that are no GB18030 (E4 B8 | AD 2C)
    (path := tmp_path / "late_gbk.csv").write_bytes(b"\n".join(lines) + b"\n")
    message = refused(path, xzcf)
    assert message.startswith("第 31 行无法按 GB18030 解码（文件中混用了多种编码？）")
    lines = [",".join(HEADER).encode()] + [",".join(row(i)).encode() for i in range(40)]
    lines[25] = ",".join(row(25)).encode("gbk")
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert refused(path, xzcf).startswith("第 26 行无法按 UTF-8 解码")


def test_utf16_and_binary_refused(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    (path := tmp_path / "u16.txt").write_bytes(("\ufeff" + "\t".join(HEADER)).encode("utf-16-le"))
    assert "UTF-16" in refused(path, xzcf)
    path.write_bytes(b"CF_XDR_MC,CF_WSH\n\x00\x01\x02")
    assert "空字节" in refused(path, xzcf)


def test_other_encoding_is_named(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    text = "行政相對人名稱,行政處罰決定書文號\n臺北市某某貿易股份有限公司,北市處字第一二三四號\n" * 20
    (path := tmp_path / "big5.csv").write_bytes(text.encode("big5"))
    assert refused(path, xzcf).startswith("文件编码疑似 big5，只接受 UTF-8 或 GBK/GB18030 编码的 CSV")


# ------------------------------------------------------------------------------------------- layout


def test_tab_delimited(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    rows = [row(1), [*row(2)[:5], "罚款，没收违法所得", "2023-05-02"]]
    table = open_file(write_csv(tmp_path / "t.tsv", rows, sep="\t", eol="\n"), xzcf)
    assert table.delimiter == "\t"
    assert read_all(table)["CF_NR"].to_list() == ["罚款人民币1元", "罚款，没收违法所得"]


def test_semicolon_delimited_refused(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    path = write_csv(tmp_path / "s.csv", [row(1)], sep=";")
    assert "分隔符应为逗号或制表符" in refused(path, xzcf)


def test_legacy_2016_and_loose_headers(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    header = ["*行政相对人名称", "CF_XDR_SHDM", "cf_wsh", "CF_XZJG", "处罚事由", "行政相对人代码_2（工商注册号）",
              " 处罚结果\u3000", "CF_CFLB1"]
    table = open_file(write_csv(tmp_path / "old.csv", [["甲公司", "91310000MA1FL8XQ2C", "文号1", "某局", "事由",
                                                          "310000", "结果", "警告"]], header), xzcf)
    assert table.fields == ["CF_XDR_MC", "CF_XDR_SHXYM", "CF_WSH", "CF_CFJG", "CF_SY", "CF_XDR_GSZC", "CF_NR",
                            "CF_CFLB"]
    expected = ("甲公司", "91310000MA1FL8XQ2C", "文号1", "某局", "事由", "310000", "结果", "警告")
    assert read_all(table).row(0)[:8] == expected


def test_unknown_columns_reported_and_control_column(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    header = ["CF_XDR_MC", "联系电话", "CF_WSH", "操作类型", "", "备用"]
    table = open_file(write_csv(tmp_path / "u.csv", [["甲", "138", "W1", "撤销", "", ""]], header), xzcf)
    assert table.fields == ["CF_XDR_MC", "CF_WSH", "CZLX"] and table.unknown_columns == ["联系电话", "备用"]
    assert read_all(table).row(0) == ("甲", "W1", "撤销", 2, None)


def test_duplicate_columns_refused(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    path = write_csv(tmp_path / "d.csv", [row(1) + ["乙"]], HEADER + ["行政相对人名称"])
    assert refused(path, xzcf) == "列“CF_XDR_MC”和“行政相对人名称”都对应字段 CF_XDR_MC（行政相对人名称），请只保留一列"
    path = write_csv(tmp_path / "d2.csv", [["a", "b"]], ["CF_XDR_SHDM", "统一社会信用代码"])
    assert "“CF_XDR_SHDM”和“统一社会信用代码”" in refused(path, xzcf)


def test_unrecognised_file_refused(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    path = write_csv(tmp_path / "other.csv", [["1", "2"]], ["姓名", "电话"])
    message = refused(path, xzcf)
    assert "不像是《行政处罚》文件" in message and "CF_XDR_MC（行政相对人名称）" in message


def test_empty_file(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    (path := tmp_path / "empty.csv").write_bytes(b"")
    assert refused(path, xzcf) == "文件为空：empty.csv"
    path.write_bytes(b"\xef\xbb\xbf \r\n\r\n")
    assert refused(path, xzcf) == "文件为空：empty.csv"


def test_header_only(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    for eol in ("\r\n", ""):
        (path := tmp_path / "h.csv").write_text(",".join(LABELS) + eol, encoding="gbk")
        table = open_file(path, xzcf)
        assert table.fields == HEADER and table.notes == ["文件只有表头，没有数据行"]
        assert list(table.chunks) == []


def test_title_row_above_header_and_blank_lines(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    text = "2023年行政处罚信息汇总表,,,,,,\r\n" + ",".join(LABELS) + "\r\n" + ",".join(row(1)) + "\r\n\r\n,,,,,,\r\n" \
        + " \u3000,,,,,,\r\n" + ",".join(row(2)) + "\r\n"
    (path := tmp_path / "title.csv").write_text(text, encoding="utf-8")
    table = open_file(path, xzcf)
    assert table.notes == ["表头位于第 2 行，已跳过上方 1 行"]
    assert read_all(table)["_row"].to_list() == [3, 7]


def test_whitespace_stripped_and_empty_is_null(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    values = ["\u3000 甲公司 \u3000", "  ", "", "\t W1 ", "罚款", "x", "2023-05-01"]
    full_width = ["甲", "法人及非法人组织", "９１３１０ ０００MA1FL8XQ2C", "W2", "罚款", "x", "２０２３-05-01"]
    df = read_all(open_file(write_csv(tmp_path / "w.csv", [values, full_width]), xzcf))
    assert df.row(0)[:4] == ("甲公司", None, None, "W1")
    assert df.row(1)[:7] == tuple(full_width)  # inner full-width digits/spaces: the validator's business


def test_quoted_newline_and_comma_across_blocks(tmp_path: Path, xzcf: RecordTypeDefinition,
                                                small_blocks: None) -> None:
    long_text = '"经查，当事人""甲""：\r\n一、销售过期食品,\n二、拒不整改"'
    lines = [HEADER, row(1), [*row(2)[:5], long_text, "2023-05-02"], row(3)]
    text = "".join(",".join(cells) + "\r\n" for cells in lines)
    (path := tmp_path / "q.csv").write_text(text, encoding="gbk")
    df = read_all(open_file(path, xzcf, chunk_rows=1))
    assert df["CF_NR"].to_list() == ["罚款人民币1元", '经查，当事人"甲"：\r\n一、销售过期食品,\n二、拒不整改', "罚款人民币3元"]
    assert df["_row"].to_list() == [2, 3, 6] and df["_shape"].null_count() == 3


def test_unclosed_quote_refused(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    rows = [row(1), [*row(2)[:5], '"没有结束的引号', "2023-05-02"], row(3)]
    message = refused(write_csv(tmp_path / "uq.csv", rows), xzcf)
    assert message == "第 3 行起双引号不成对（引号未闭合），请检查该行后重新上传"


def test_ragged_rows_get_a_shape(tmp_path: Path, xzcf: RecordTypeDefinition, small_blocks: None) -> None:
    rows = [row(1), row(2)[:5], row(3) + ["多余", "x"], row(4) + ["", " "], row(5)[:1], row(6)]
    df = read_all(open_file(write_csv(tmp_path / "r.csv", rows), xzcf, chunk_rows=2))
    assert df["_row"].to_list() == [2, 3, 4, 5, 6, 7]
    assert df["_shape"].to_list() == [None, "该行有 5 列，表头有 7 列", "该行有 9 列，表头有 7 列", None,
                                      "该行有 1 列，表头有 7 列", None]
    assert df.row(1)[:7] == (*row(2)[:5], None, None) and df.row(2)[:7] == tuple(row(3))


def test_ten_thousand_character_field_intact(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    huge = "违" * 10_000
    path = write_csv(tmp_path / "big.csv", [row(1), [*row(2)[:5], huge, "2023"]], encoding="gbk")
    df = read_all(open_file(path, xzcf))
    assert df["CF_NR"].to_list()[1] == huge


def test_row_numbers_across_chunks_and_blocks(tmp_path: Path, xzcf: RecordTypeDefinition,
                                              small_blocks: None) -> None:
    rows = [row(i) for i in range(23)]
    rows.insert(10, [""] * 7)  # line 12: blank row, skipped
    table = open_file(write_csv(tmp_path / "n.csv", rows, encoding="gbk"), xzcf, chunk_rows=4)
    chunks = list(table.chunks)
    assert [c.height for c in chunks] == [4, 4, 4, 4, 4, 3]
    numbers = pl.concat(chunks)["_row"].to_list()
    assert numbers == [*range(2, 12), *range(13, 26)]
    assert pl.concat(chunks)["CF_WSH"].to_list()[10] == "沪市监罚〔2023〕10号"


def test_excel_extension_with_text_content(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    table = open_file(write_csv(tmp_path / "export.xls", [row(1)], sep="\t", encoding="gbk"), xzcf)
    assert table.notes == ["文件扩展名为 .xls，但内容是文本，已按 CSV 读取"] and read_all(table).height == 1


def test_unreadable_path(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    assert "无法读取文件" in refused(tmp_path / "missing.csv", xzcf)


def test_streaming_memory_and_speed(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    """~300k rows of GBK (about 150 MB) stream through with modest memory."""
    header = ["CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WSH", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB",
              "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"]
    sample = "\r\n".join(",".join([
        f"杭州某某餐饮管理有限公司第{i}分店", "法人及非法人组织", "91330100MA2AXXXX1K", f"杭市监罚〔2023〕{i}号",
        "销售不符合食品安全标准的食品",
        f"经查，当事人于2023年在经营场所内销售超过保质期的食品{i}批次，违法所得人民币{i}元，事实清楚，证据确凿。",
        "《中华人民共和国食品安全法》第一百二十四条第一款", "罚款;没收违法所得", f"罚款人民币{i}元，没收违法所得",
        "0.500000", "2023-05-01", "2099-12-31", "杭州市市场监督管理局", "11330100002489472D", "杭州市市场监督管理局",
        "11330100002489472D"]) for i in range(1000)).encode("gbk") + b"\r\n"
    path = tmp_path / "big_gbk.csv"
    with open(path, "wb") as f:
        f.write(",".join(header).encode() + b"\r\n")
        f.writelines(sample for _ in range(300))
    size = path.stat().st_size

    statm = Path("/proc/self/statm")

    def rss() -> int:
        return int(statm.read_text().split()[1]) * 4096 if statm.exists() else 0

    base, peak, rows, last = rss(), 0, 0, 0
    started = time.perf_counter()
    for chunk in open_file(path, xzcf, chunk_rows=20_000).chunks:
        rows += chunk.height
        last = chunk["_row"][-1]
        peak = max(peak, rss())
    elapsed = time.perf_counter() - started
    print(f"\n{rows:,} rows, {size / 2**20:.0f} MB GBK in {elapsed:.2f} s = {rows / elapsed:,.0f} rows/s, "
          f"RSS growth {(peak - base) / 2**20:.0f} MB")
    assert rows == 300_000 and last == 300_001
    # Loading it whole would take the file, its UTF-8 copy (~1.4×) and the frame (~1.5×): > 400 MB.
    assert peak - base < 256 << 20


# ------------------------------------------------------------------------------------------- Excel

try:
    import openpyxl  # a test dependency; the CSV and JSON tests above run without it
except ImportError:  # pragma: no cover
    openpyxl = None
needs_openpyxl = pytest.mark.skipif(openpyxl is None, reason="openpyxl 未安装")


@needs_openpyxl
def test_xlsx_title_sheets_formula_dates_numbers_merged(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(["请按模板填写"])
    sheet = book.create_sheet("行政处罚")
    sheet.append(["2023年行政处罚信息"])
    sheet.merge_cells("A1:H1")
    sheet.append(["行政相对人名称", "行政处罚决定书文号", "处罚决定日期", "处罚有效期", "统一社会信用代码", "罚款金额(万元)",
                  "处罚内容", "联系人"])
    sheet.append(["甲公司", 2023001, dt.date(2023, 5, 1), 45123, "91310000MA1FL8XQ2C", 0.5, "=1+2", "张"])
    long_code = 913100001234567890  # typed as a number: Excel keeps 15 significant digits
    sheet.append(["乙公司", "W2", dt.datetime(2023, 5, 2, 10, 30), "45123", long_code, 1e-7, "罚款", None])
    sheet.append([None] * 8)
    sheet.append(["丙公司", "W3", "2023-05-03", 45123.75, None, 3, True, None])
    sheet.append(["丁公司", "W4", None, None, None, None, None, None])
    sheet.merge_cells("A8:A9")
    book.create_sheet("Sheet3")
    path = tmp_path / "cf.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as z:  # openpyxl writes no cached formula value: add one as Excel would
        files = {n: z.read(n) for n in z.namelist()}
    sheet_xml = next(n for n, data in files.items() if n.startswith("xl/worksheets/") and b"<f>" in data)
    files[sheet_xml] = re.sub(rb"<f>1\+2</f><v\s*/?>(</v>)?", b"<f>1+2</f><v>3</v>", files[sheet_xml])
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)

    table = open_file(path, xzcf)
    assert (table.sheet, table.encoding, table.delimiter) == ("行政处罚", None, None)
    assert table.fields == ["CF_XDR_MC", "CF_WSH", "CF_JDRQ", "CF_YXQ", "CF_XDR_SHXYM", "CF_NR_FK", "CF_NR"]
    assert table.unknown_columns == ["联系人"]
    assert table.notes[:2] == ["工作簿有3个工作表，已读取“行政处罚”，忽略“填表说明”“Sheet3”",
                               "工作表“行政处罚”的表头位于第 2 行，已跳过上方 1 行"]
    assert table.notes[2].startswith("检测到合并单元格（1 处，如 A8:A9）")
    df = read_all(table)
    assert df["_row"].to_list() == [3, 4, 6, 7]
    assert df.row(0)[:7] == ("甲公司", "2023001", "2023-05-01", "2023-07-16", "91310000MA1FL8XQ2C", "0.5", "3")
    assert df.row(1)[:7] == ("乙公司", "W2", "2023-05-02", "45123", "913100001234567936", "0.0000001", "罚款")
    assert df["_shape"].to_list()[:2] == [None, "CF_XDR_SHXYM：数值型单元格可能已丢失精度，请将该列设为文本格式"]
    assert df.row(2)[:7] == ("丙公司", "W3", "2023-05-03", "2023-07-16", None, "3", None)
    assert "逻辑值" in df["_shape"][2]
    assert df.row(3)[:3] == ("丁公司", "W4", None)


@needs_openpyxl
def test_excel_without_matching_sheet(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    book = openpyxl.Workbook()
    book.active.append(["姓名", "电话"])
    book.save(path := tmp_path / "x.xlsx")
    assert "Sheet" in refused(path, xzcf) and "不像是《行政处罚》文件" in refused(path, xzcf)


@needs_openpyxl
def test_excel_blank_rows_above_and_columns_left(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C3"], sheet["D3"], sheet["C4"], sheet["D4"] = "CF_XDR_MC", "CF_WSH", "甲", "W1"
    book.save(path := tmp_path / "off.xlsx")
    table = open_file(path, xzcf)
    assert read_all(table).row(0) == ("甲", "W1", 4, None)


def test_corrupt_workbook_refused(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    (path := tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert "无法作为 Excel 工作簿读取 bad.xlsx" in refused(path, xzcf)


def test_xls(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("处罚")
    for c, name in enumerate(["行政处罚信息表"]):
        sheet.write(0, c, name)
    for c, name in enumerate(LABELS):
        sheet.write(1, c, name)
    values = ["甲公司", "法人及非法人组织", "91310000MA1FL8XQ2C", 2023001, "罚款", "罚款1元", 45047]
    for c, value in enumerate(values):
        sheet.write(2, c, value)
    sheet.write(3, 0, "乙公司")
    sheet.write(3, 6, dt.date(2023, 5, 2), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write_merge(4, 5, 0, 0, "丙公司")
    book.save(str(path := tmp_path / "old.xls"))
    table = open_file(path, xzcf)
    assert table.sheet == "处罚" and table.fields == HEADER
    assert any(n.startswith("检测到合并单元格") for n in table.notes)
    df = read_all(table)
    assert df["_row"].to_list() == [3, 4, 5]
    assert df.row(0)[:7] == ("甲公司", "法人及非法人组织", "91310000MA1FL8XQ2C", "2023001", "罚款", "罚款1元",
                             "2023-05-01")
    assert df["CF_JDRQ"].to_list()[1] == "2023-05-02"


# ------------------------------------------------------------------------------------------- JSON rows


def test_json_rows(xzcf: RecordTypeDefinition) -> None:
    rows: list[object] = [
        {"CF_XDR_MC": " 甲公司\u3000", "行政处罚决定书文号": 2023001, "CF_NR_FK": 0.5, "电话": "138", "CF_JDRQ": None},
        {"CF_XDR_MC": "乙", "CF_WSH": "W2", "CF_NR_FK": 1e-7, "CZLX": "撤销"},
        {"CF_XDR_MC": "丙", "CF_WSH": True, "CF_NR_FK": [1, 2]},
        "not an object",
        {"CF_XDR_MC": "丁", "行政相对人名称": "丁2", "CF_NR_FK": float("nan"), "CF_WSH": 12345678901234567890},
    ]
    table = open_rows(rows, xzcf)  # type: ignore[arg-type]
    assert (table.source_name, table.encoding, table.sheet) == ("api", None, None)
    assert table.fields == ["CF_XDR_MC", "CF_WSH", "CF_NR_FK", "CF_JDRQ", "CZLX"]
    assert table.unknown_columns == ["电话"]
    df = read_all(table)
    assert df["_row"].to_list() == [1, 2, 3, 4, 5]
    assert df.row(0) == ("甲公司", "2023001", "0.5", None, None, 1, None)
    assert df.row(1)[:5] == ("乙", "W2", "0.0000001", None, "撤销")
    shapes = df["_shape"].to_list()
    assert shapes[0] is None and shapes[1] is None
    assert "布尔值" in shapes[2] and "不是文本或数字" in shapes[2]
    assert "应为 JSON 对象" in shapes[3]
    assert "出现了两次" in shapes[4] and "nan" in shapes[4]
    assert df.row(4)[1] == "12345678901234567890"


def test_json_rows_refused(xzcf: RecordTypeDefinition) -> None:
    with pytest.raises(SourceError, match="批次为空"):
        open_rows([], xzcf)
    with pytest.raises(SourceError, match="不像是《行政处罚》文件"):
        open_rows([{"姓名": "x"}], xzcf)


def test_stray_quote_marks_only_its_row(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    rows = [row(1), [*row(2)[:5], '"罚款"5000元', "2023-05-02"], row(3)]
    df = read_all(open_file(write_csv(tmp_path / "sq.csv", rows), xzcf))
    assert df["_row"].to_list() == [2, 3, 4] and df["CF_NR"].to_list()[0] == "罚款人民币1元"
    assert df["_shape"].to_list()[0] is None and df["_shape"].to_list()[2] is None
    assert "双引号使用不规范" in df["_shape"][1]


def test_closing_early_stops_the_reader_threads(tmp_path: Path, xzcf: RecordTypeDefinition,
                                                small_blocks: None) -> None:
    import threading

    before = threading.active_count()
    chunks = open_file(write_csv(tmp_path / "c.csv", [row(i) for i in range(50)]), xzcf, chunk_rows=5).chunks
    assert next(chunks).height == 5
    chunks.close()  # type: ignore[attr-defined]
    assert threading.active_count() == before


@needs_openpyxl
def test_excel_header_only_and_huge_sheet_refused(tmp_path: Path, xzcf: RecordTypeDefinition,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyong.records import readers_excel

    book = openpyxl.Workbook()
    book.active.append(LABELS)
    book.save(path := tmp_path / "h.xlsx")
    table = open_file(path, xzcf)
    assert table.notes == ["工作表只有表头，没有数据行"] and list(table.chunks) == []
    monkeypatch.setattr(readers_excel, "MAX_EXCEL_CELLS", 6)
    assert refused(path, xzcf) == "Excel 文件 h.xlsx 的工作表过大（约 1 行 × 7 列），请另存为 CSV（UTF-8 或 GBK）后上传"
    monkeypatch.setattr(readers_excel, "MAX_EXCEL_BYTES", 100)
    assert "超过 0 MB" in refused(path, xzcf)


def test_short_gbk_file_of_another_type_is_not_called_big5(tmp_path: Path, xzcf: RecordTypeDefinition) -> None:
    (path := tmp_path / "other.csv").write_bytes("姓名,电话\n张三,138\n".encode("gbk"))
    assert "不像是《行政处罚》文件" in refused(path, xzcf)
    path.write_bytes("CF_XDR_MC,CF_WSH\r甲,W1\r乙,W2\r".encode("gbk"))
    assert "换行符是旧式的 CR" in refused(path, xzcf)
