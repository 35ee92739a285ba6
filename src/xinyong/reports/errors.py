"""Refusals of the credit report domain."""

from __future__ import annotations

from xinyong.errors import ConfigurationError, InvalidInput, NotFound, XinyongError


class ReportNotFound(NotFound):
    """No report was ever issued under this number."""

    code = "report_not_found"


class ReportMismatch(XinyongError):
    """The file, hash or code presented does not match the issued report."""

    status = 409
    code = "report_mismatch"


class BadVerificationInput(InvalidInput):
    """A verification request without anything to check, or with a malformed hash."""

    code = "invalid_verification"


class ReportFontMissing(ConfigurationError):
    """The CJK font the PDF needs is not installed or not readable."""

    code = "report_font_missing"
