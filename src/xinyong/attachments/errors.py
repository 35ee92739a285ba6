"""Refusals of evidence uploads."""

from __future__ import annotations

from xinyong.errors import InvalidInput, NotFound


class UploadRejected(InvalidInput):
    """An evidence file refused: too large, wrong type, mismatching content or active content."""

    code = "upload_rejected"


class AttachmentMissing(NotFound):
    """The stored file of an attachment is gone or no longer matches its checksum."""

    code = "attachment_missing"
