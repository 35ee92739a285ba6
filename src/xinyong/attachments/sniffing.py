"""Decide what an uploaded file really is from its bytes, never from its name or declared type."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from xinyong.attachments.errors import UploadRejected


@dataclass(frozen=True)
class FileKind:
    """An accepted evidence type: its media type, the extensions that may name it and its label."""

    media_type: str
    extensions: frozenset[str]
    label: str


PDF = FileKind("application/pdf", frozenset({".pdf"}), "PDF")
JPEG = FileKind("image/jpeg", frozenset({".jpg", ".jpeg"}), "JPEG 图片")
PNG = FileKind("image/png", frozenset({".png"}), "PNG 图片")
ACCEPTED = (PDF, JPEG, PNG)
ALLOWED_TEXT = "PDF、JPG、PNG"

# Office files, OFD and archives are zip containers (zip bombs, macros): ask for a PDF instead.
_REFUSED_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "可执行程序"),
    (b"\x7fELF", "可执行程序"),
    (b"\xca\xfe\xba\xbe", "可执行程序"),
    (b"\xcf\xfa\xed\xfe", "可执行程序"),
    (b"#!", "脚本"),
    (b"PK\x03\x04", "压缩包或 Office/OFD 文档"),
    (b"PK\x05\x06", "压缩包"),
    (b"Rar!", "压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "压缩包"),
    (b"\x1f\x8b", "压缩包"),
    (b"BZh", "压缩包"),
    (b"\xd0\xcf\x11\xe0", "旧版 Office 文档（可能含宏）"),
)
_ACTIVE_MARKUP = re.compile(rb"<\s*(script|html|svg|\?php|iframe|object|embed)\b|javascript:", re.IGNORECASE)
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
MAX_PIXELS = 60_000_000  # a decompression bomb announces absurd dimensions in its header


def extension_of(filename: str) -> str:
    """Lower-case extension with the dot, or '' when the name has none."""
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def _refuse_active(content: bytes) -> None:
    head = content[:16]
    for magic, what in _REFUSED_MAGIC:
        if head.startswith(magic):
            raise UploadRejected(f"不接受{what}，请上传 {ALLOWED_TEXT} 格式的证明材料")
    if _ACTIVE_MARKUP.search(content):
        raise UploadRejected("文件含有网页或脚本代码，可能有害，已拒绝")


def _png_pixels(content: bytes) -> int:
    if len(content) < 24 or content[12:16] != b"IHDR":
        raise UploadRejected("PNG 图片已损坏：缺少文件头信息")
    width, height = struct.unpack(">II", content[16:24])
    return width * height


def _jpeg_pixels(content: bytes) -> int:
    i = 2
    while i + 9 < len(content):
        if content[i] != 0xFF:
            i += 1
            continue
        marker = content[i + 1]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", content[i + 5:i + 9])
            return width * height
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 2 if marker != 0xFF else 1
            continue
        (length,) = struct.unpack(">H", content[i + 2:i + 4])
        i += 2 + length
    raise UploadRejected("JPEG 图片已损坏：找不到图像尺寸")


def _kind_of(content: bytes) -> FileKind:
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-1024:]:
            raise UploadRejected("PDF 文件不完整（缺少文件结束标记），请重新导出后上传")
        if _PDF_ACTIVE.search(content):
            raise UploadRejected("PDF 文件含有脚本、附件或自动执行动作，可能有害，已拒绝")
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        if _png_pixels(content) > MAX_PIXELS:
            raise UploadRejected("图片尺寸过大（疑似解压炸弹），已拒绝")
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        if _jpeg_pixels(content) > MAX_PIXELS:
            raise UploadRejected("图片尺寸过大（疑似解压炸弹），已拒绝")
        return JPEG
    raise UploadRejected(f"文件类型不允许，只接受 {ALLOWED_TEXT} 格式的证明材料")


def sniff(filename: str, content: bytes) -> FileKind:
    """The accepted kind of these bytes, or UploadRejected with a Chinese reason."""
    if not content:
        raise UploadRejected("文件为空")
    _refuse_active(content)
    kind = _kind_of(content)
    extension = extension_of(filename)
    if extension not in kind.extensions:
        shown = extension or "（无扩展名）"
        raise UploadRejected(f"文件内容是 {kind.label}，与扩展名 {shown} 不符，请核对后重新上传")
    return kind
