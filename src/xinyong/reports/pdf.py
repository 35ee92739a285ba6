"""Laying a report out as a PDF with an embedded subset of a CJK font (fpdf2) and a vector QR code."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from pathlib import Path

import segno
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import TTFFont

from xinyong.reports.content import ReportContent, Section, Table, local_time
from xinyong.reports.errors import ReportFontMissing

# Debian's CJK fonts, best first: (file, face in the collection). Noto Sans CJK face 2 is the SC (简体) one.
DEBIAN_FONTS = (
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
)
FONT = "cjk"
MARGIN = 16.0
BODY_PT, SMALL_PT = 9.0, 7.5
LINE_MM = 4.4
PT_TO_MM = 25.4 / 72
INK, RULE, SHADE = (33, 37, 41), (160, 170, 180), (231, 236, 243)


@dataclass(frozen=True)
class Issue:
    """What makes this copy a particular issued report."""

    number: str
    verification_code: str
    issued_at_text: str
    issuer: str
    verify_url: str


def resolve_font(path: Path | None, index: int | None) -> tuple[Path, int]:
    """The configured font, or the first installed Debian default; a clear Chinese refusal if none."""
    if path is not None:
        if not path.is_file():
            raise ReportFontMissing(f"找不到信用报告所需的中文字体文件：{path}。请检查设置 XINYONG_REPORT_FONT_PATH，"
                                    "或安装 Debian 软件包 fonts-noto-cjk。")
        default_index = 2 if path.name.startswith("NotoSansCJK") and path.suffix == ".ttc" else 0
        return path, default_index if index is None else index
    for candidate, face in DEBIAN_FONTS:
        if candidate.is_file():
            return candidate, face if index is None else index
    raise ReportFontMissing("未找到信用报告所需的中文字体。请安装 Debian 软件包 fonts-noto-cjk"
                            "（apt-get install fonts-noto-cjk），或用 XINYONG_REPORT_FONT_PATH 指定字体文件。")


_parsed: dict[tuple[Path, int], TTFFont] = {}
_parsing = threading.Lock()


def _use_font(pdf: FPDF, path: Path, index: int) -> None:
    """Give the document the CJK font, parsing the font file's metrics only once per process.

    Why: parsing a CJK font's metrics (65,000 glyphs) takes about 0.3 s, a third of the 1 s budget for a
    report. fpdf2 subsets a document's fontTools object in place when it writes the file, so documents
    share only the parsed metrics (a copy each) and each opens its own fontTools object on the file.
    """
    key = (path, index)
    with _parsing:
        if key not in _parsed:
            scratch = FPDF()
            try:
                scratch.add_font(FONT, "", str(path), collection_font_number=index)
            except Exception as exc:
                raise ReportFontMissing(f"无法读取信用报告所需的中文字体 {path}（第 {index} 个字形）：{exc}") from exc
            _parsed[key] = scratch.fonts[FONT]
    font = copy.deepcopy(_parsed[key])  # shares the parsed ttfont, which is replaced right below
    font.ttfont = ttLib.TTFont(str(path), recalcTimestamp=False, fontNumber=index, lazy=True)
    font.i = len(pdf.fonts) + 1
    pdf.fonts[FONT] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as FPDF.add_font does for CID-keyed CFF fonts such as Noto Sans CJK


class _Document(FPDF):
    """A4 pages with the report number and page count in every footer."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(format="A4")
        self.issue = issue
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 4)

    def footer(self) -> None:
        self.set_y(-MARGIN)
        self.set_font(FONT, size=SMALL_PT)
        self.set_text_color(110, 117, 125)
        self.cell(0, 4, f"{self.issue.issuer}    信用报告 {self.issue.number}    校验码 {self.issue.verification_code}")
        self.set_x(self.l_margin)
        self.cell(0, 4, f"第 {self.page_no()} 页 / 共 {{nb}} 页", align="R")
        self.set_text_color(*INK)


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break text into lines that fit `width` mm, character by character (Chinese has no spaces)."""
    widths = pdf.current_font.cw  # per code point, in 1/1000 em; unknown ones get the font's default
    scale = pdf.font_size_pt * PT_TO_MM / 1000
    lines, line, used = [], [], 0.0
    for paragraph in str(text).splitlines() or [""]:
        for ch in paragraph:
            w = widths[ord(ch)] * scale
            if used + w > width and line:
                lines.append("".join(line))
                line, used = [], 0.0
            line.append(ch)
            used += w
        lines.append("".join(line))
        line, used = [], 0.0
    return lines


def _row(pdf: FPDF, cells: tuple[str, ...], widths: list[float], *, shade: bool = False,
         headings: tuple[str, ...] | None = None) -> None:
    """One table row; on a new page the table's headings are repeated first."""
    pad = 1.2
    wrapped = [_wrap(pdf, c, w - 2 * pad) for c, w in zip(cells, widths, strict=True)]
    height = max(len(w) for w in wrapped) * LINE_MM + 2 * pad
    if pdf.will_page_break(height):
        pdf.add_page()
        if headings:
            _row(pdf, headings, widths, shade=True)
    x, y = pdf.l_margin, pdf.get_y()
    for lines, w in zip(wrapped, widths, strict=True):
        pdf.rect(x, y, w, height, style="DF" if shade else "D")
        for i, line in enumerate(lines):
            pdf.text(x + pad, y + pad + (i + 0.78) * LINE_MM, line)
        x += w
    pdf.set_y(y + height)


def _table(pdf: FPDF, table: Table) -> None:
    if not table.rows:
        _paragraph(pdf, "无")
        return
    full = pdf.epw
    widths = [full * f for f in table.widths]
    _row(pdf, table.headings, widths, shade=True)
    for row in table.rows:
        _row(pdf, row, widths, headings=table.headings)


def _paragraph(pdf: FPDF, text: str, size: float = BODY_PT) -> None:
    pdf.set_font(FONT, size=size)
    for line in _wrap(pdf, text, pdf.epw):
        pdf.cell(0, LINE_MM + 0.6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=BODY_PT)


def _section(pdf: FPDF, section: Section) -> None:
    if pdf.will_page_break(24):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, size=12)
    pdf.set_fill_color(*SHADE)
    pdf.cell(0, 8, " " + section.title, fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    pdf.set_font(FONT, size=BODY_PT)
    pdf.set_fill_color(*SHADE)
    if section.facts:
        label_w = pdf.epw * 0.28
        for label, value in section.facts:
            _row(pdf, (label, value), [label_w, pdf.epw - label_w])
    if section.table is not None:
        _table(pdf, section.table)
    if section.note:
        _paragraph(pdf, section.note, SMALL_PT + 0.5)


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as filled rectangles (no image library, scales without blur)."""
    qr = segno.make(data, error="m")
    rows = [list(r) for r in qr.matrix]
    quiet = 2
    module = size / (len(rows) + 2 * quiet)
    pdf.set_fill_color(0, 0, 0)
    for r, bits in enumerate(rows):
        c = 0
        while c < len(bits):
            if bits[c]:
                start = c
                while c < len(bits) and bits[c]:
                    c += 1
                pdf.rect(x + (start + quiet) * module, y + (r + quiet) * module, (c - start) * module, module, style="F")
            else:
                c += 1


def _cover(pdf: FPDF, content: ReportContent, issue: Issue) -> None:
    pdf.set_font(FONT, size=BODY_PT)
    pdf.set_text_color(90, 98, 108)
    pdf.cell(0, 5, issue.issuer, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, size=22)
    pdf.cell(0, 13, "信 用 报 告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=11)
    pdf.cell(0, 6, "（公开版）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    top = pdf.get_y()
    qr_size = 34.0
    facts = [("报告编号", issue.number), ("校验码", issue.verification_code), ("报告主体", content.subject_name),
             ("主体代码", content.subject_code), ("生成时间", issue.issued_at_text),
             ("数据截止时间", local_time(content.cutoff)), ("出具机构", issue.issuer)]
    pdf.set_font(FONT, size=BODY_PT + 0.5)
    label_w, value_w = 26.0, pdf.epw - qr_size - 30.0
    for label, value in facts:
        _row(pdf, (label, value), [label_w, value_w])
    _qr(pdf, issue.verify_url, pdf.l_margin + pdf.epw - qr_size, top, qr_size)
    pdf.set_font(FONT, size=SMALL_PT)
    pdf.text(pdf.l_margin + pdf.epw - qr_size + 4, top + qr_size + 3, "扫码核验本报告")
    pdf.set_y(max(pdf.get_y(), top + qr_size + 5) + 2)
    _paragraph(pdf, "说明：本报告根据出具时本平台归集的公共信用信息生成，仅列示处于公示期内的公开信息；"
                    "自然人姓名、证件号码等个人信息已按规定脱敏。报告真伪及内容是否被改动，可凭报告编号和报告文件"
                    f"（或校验码）在 {issue.verify_url.split('?')[0]} 核验。", SMALL_PT + 0.5)


def render(content: ReportContent, issue: Issue, font: tuple[Path, int]) -> bytes:
    """The report as PDF bytes; only the glyphs used are embedded."""
    pdf = _Document(issue)
    pdf.set_title(f"信用报告 {issue.number}")
    pdf.set_creator(issue.issuer)
    pdf.set_author(issue.issuer)
    _use_font(pdf, *font)
    pdf.set_draw_color(*RULE)
    pdf.set_text_color(*INK)
    pdf.set_line_width(0.2)
    pdf.add_page()
    _cover(pdf, content, issue)
    for section in content.sections:
        _section(pdf, section)
    try:
        return bytes(pdf.output())
    finally:
        pdf.fonts[FONT].ttfont.close()
