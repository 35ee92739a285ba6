"""Store and read evidence files: checked by content, kept outside the web root under random names."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong.attachments.errors import AttachmentMissing, UploadRejected
from xinyong.attachments.models import Attachment
from xinyong.attachments.sniffing import FileKind, sniff
from xinyong.config import Settings

FILENAME_MAX = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def sanitise_filename(filename: str) -> str:
    """The user's file name reduced to a safe display label (no path, no control characters)."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > FILENAME_MAX:
        dot = name.rfind(".")
        ext = name[dot:] if 0 < dot and len(name) - dot <= 10 else ""
        name = name[: FILENAME_MAX - len(ext)] + ext
    return name or "附件"


def _path_of(settings: Settings, stored_name: str) -> Path:
    return Path(settings.attachment_dir) / stored_name[:2] / stored_name


def check_upload(settings: Settings, filename: str, content: bytes) -> FileKind:
    """Refuse a file before anything is stored: size first, then what its bytes really are."""
    limit = settings.attachment_max_mb * 1024 * 1024
    if len(content) > limit:
        raise UploadRejected(f"文件过大：{len(content) / 1024 / 1024:.1f} MB，单个文件不得超过 {settings.attachment_max_mb} MB")
    return sniff(sanitise_filename(filename), content)


def store_upload(
    session: Session, settings: Settings, *, filename: str, content: bytes, owner_type: str,
    owner_id: int | str, uploaded_by: str,
) -> Attachment:
    """Check one uploaded file, write it under a random name and record it."""
    safe_name = sanitise_filename(filename)
    kind = check_upload(settings, safe_name, content)
    stored_name = secrets.token_hex(16)
    path = _path_of(settings, stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    with open(temporary, "xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    attachment = Attachment(
        owner_type=owner_type, owner_id=str(owner_id), filename=safe_name, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), media_type=kind.media_type, stored_name=stored_name,
        uploaded_by=uploaded_by,
    )
    session.add(attachment)
    session.flush()
    return attachment


def read_attachment(settings: Settings, attachment: Attachment) -> bytes:
    """The stored bytes, refused when missing or altered since upload."""
    path = _path_of(settings, attachment.stored_name)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentMissing(f"附件“{attachment.filename}”的文件已不存在") from None
    if hashlib.sha256(content).hexdigest() != attachment.sha256:
        raise AttachmentMissing(f"附件“{attachment.filename}”的文件与上传时的校验值不符，可能已被篡改")
    return content


def reassign(session: Session, attachments: list[Attachment], owner_type: str, owner_id: int | str) -> None:
    """Point uploads stored before their owner existed at that owner."""
    for attachment in attachments:
        attachment.owner_type = owner_type
        attachment.owner_id = str(owner_id)
    session.flush()
