"""Subject registry errors."""

from __future__ import annotations

from xinyong.errors import Conflict, InvalidInput, NotFound


class SubjectNotFound(NotFound):
    """No subject with that code."""

    code = "subject_not_found"


class SubjectExists(Conflict):
    """A subject with that code or document number is already registered."""

    code = "subject_exists"


class WrongSubjectKind(InvalidInput):
    """The operation does not fit this kind of subject."""

    code = "wrong_subject_kind"
