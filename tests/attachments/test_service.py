"""Storing evidence files: random names outside the web root, checksums, size limit, sanitised names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.attachments.samples import pdf_bytes, png_bytes
from xinyong.attachments import repository
from xinyong.attachments.errors import AttachmentMissing, UploadRejected
from xinyong.attachments.models import Attachment
from xinyong.attachments.service import read_attachment, sanitise_filename, store_upload
from xinyong.config import Settings


@pytest.fixture()
def upload_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with a temporary attachment folder and a 1 MB limit."""
    return settings.model_copy(update={"attachment_dir": tmp_path / "files", "attachment_max_mb": 1})


def test_store_and_read_back(session: Session, upload_settings: Settings) -> None:
    content = pdf_bytes()
    stored = store_upload(session, upload_settings, filename="../../etc/决定书.pdf", content=content,
                          owner_type="objection", owner_id=7, uploaded_by="public")
    assert stored.filename == "决定书.pdf"
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert stored.media_type == "application/pdf"
    assert "决定书" not in stored.stored_name and len(stored.stored_name) == 32
    on_disk = list((upload_settings.attachment_dir).rglob("*"))
    assert [p.name for p in on_disk if p.is_file()] == [stored.stored_name]
    assert read_attachment(upload_settings, stored) == content
    assert repository.attachments_of(session, "objection", "7") == [stored]
    assert repository.get_attachment(session, "objection", 7, stored.id) is stored
    assert repository.get_attachment(session, "repair", 7, stored.id) is None


def test_too_large_refused_and_nothing_written(session: Session, upload_settings: Settings) -> None:
    content = png_bytes() + b"\0" * (1024 * 1024)
    with pytest.raises(UploadRejected) as caught:
        store_upload(session, upload_settings, filename="大图.png", content=content,
                     owner_type="objection", owner_id=1, uploaded_by="public")
    assert "不得超过 1 MB" in caught.value.message
    assert not Path(upload_settings.attachment_dir).exists()
    assert session.query(Attachment).count() == 0


def test_tampered_or_missing_file_detected(session: Session, upload_settings: Settings) -> None:
    stored = store_upload(session, upload_settings, filename="a.png", content=png_bytes(),
                          owner_type="repair", owner_id="R1", uploaded_by="public")
    path = next(p for p in Path(upload_settings.attachment_dir).rglob(stored.stored_name))
    path.write_bytes(png_bytes(3, 3))
    with pytest.raises(AttachmentMissing, match="篡改"):
        read_attachment(upload_settings, stored)
    path.unlink()
    with pytest.raises(AttachmentMissing, match="不存在"):
        read_attachment(upload_settings, stored)


@pytest.mark.parametrize(("given", "expected"), [
    ("C:\\Users\\张三\\证明.pdf", "证明.pdf"),
    ("a\x00b<script>.png", "a_b_script_.png"),
    ("", "附件"),
    ("...", "附件"),
    ("长" * 300 + ".pdf", "长" * 116 + ".pdf"),
])
def test_sanitise_filename(given: str, expected: str) -> None:
    assert sanitise_filename(given) == expected
