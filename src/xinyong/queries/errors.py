"""Authorised query errors."""

from __future__ import annotations

from xinyong.errors import Forbidden, InvalidInput, NotFound


class UnknownPurpose(InvalidInput):
    """The purpose is not on the configured list."""

    code = "unknown_purpose"


class MissingAuthorisation(InvalidInput):
    """No consent number or legal basis was given."""

    code = "missing_authorisation"


class PurposeNotAllowed(Forbidden):
    """The caller's role may not query for this purpose."""

    code = "purpose_not_allowed"


class PersonNotFound(NotFound):
    """No natural person with that document number."""

    code = "person_not_found"


class CodeRejected(InvalidInput):
    """The one-time code is wrong, expired or used."""

    status = 401
    code = "code_rejected"
