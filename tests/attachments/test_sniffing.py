"""Evidence files are judged by their bytes: accepted types, mismatches and hostile content."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.attachments.samples import jpeg_bytes, pdf_bytes, png_bytes
from xinyong.attachments.errors import UploadRejected
from xinyong.attachments.sniffing import sniff


@pytest.mark.parametrize(("name", "content", "media_type"), [
    ("处罚决定书.pdf", pdf_bytes(), "application/pdf"),
    ("缴款凭证.PNG", png_bytes(), "image/png"),
    ("现场照片.jpg", jpeg_bytes(), "image/jpeg"),
    ("现场照片.JPEG", jpeg_bytes(), "image/jpeg"),
])
def test_accepted_types(name: str, content: bytes, media_type: str) -> None:
    assert sniff(name, content).media_type == media_type


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("证明.pdf", png_bytes(), "与扩展名 .pdf 不符"),
    ("照片.png", pdf_bytes(), "与扩展名 .png 不符"),
    ("证明", pdf_bytes(), "（无扩展名）"),
    ("说明.txt", "这是一段文字".encode(), "文件类型不允许"),
    ("空.pdf", b"", "文件为空"),
])
def test_type_and_extension_refusals(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(UploadRejected) as caught:
        sniff(name, content)
    assert reason in caught.value.message
    assert caught.value.code == "upload_rejected"


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 5_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("证明.pdf", b"MZ\x90\x00" + b"\0" * 60, "可执行程序"),
    ("证明.jpg", b"\x7fELF\x02\x01\x01" + b"\0" * 40, "可执行程序"),
    ("证明.pdf", b"#!/bin/sh\nrm -rf /\n", "脚本"),
    ("证明.pdf", _zip_bomb(), "压缩包"),
    ("证明.png", b"<html><script>alert(1)</script></html>", "网页或脚本"),
    ("证明.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "网页或脚本"),
    ("证明.jpg", jpeg_bytes() + b"<script>alert(1)</script>", "网页或脚本"),
    ("证明.pdf", pdf_bytes(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "脚本"),
    ("证明.pdf", pdf_bytes(b"/Type /EmbeddedFile"), "附件"),
    ("证明.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n", "不完整"),
    ("证明.png", png_bytes(100_000, 100_000), "解压炸弹"),
    ("证明.jpg", jpeg_bytes(60_000, 60_000), "解压炸弹"),
    ("证明.png", b"\x89PNG\r\n\x1a\n\x00\x00", "已损坏"),
])
def test_hostile_content_refused(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(UploadRejected) as caught:
        sniff(name, content)
    assert reason in caught.value.message
