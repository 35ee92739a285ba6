"""Errors of joint rewards and punishments: checks, feedback and statistics."""

from __future__ import annotations

from xinyong.errors import Conflict, Forbidden, InvalidInput, NotFound


class CheckNotFound(NotFound):
    """No such check."""

    code = "check_not_found"


class ForeignCheck(Forbidden):
    """The check was made by another department: only that department reports what it did."""

    code = "check_of_other_department"


class FeedbackExists(Conflict):
    """The check already has its feedback; feedback is given once."""

    code = "feedback_exists"


class InvalidFeedback(InvalidInput):
    """Feedback that does not fit the check (a measure it did not return, an outcome without measures)."""

    code = "invalid_feedback"


class InvalidCheck(InvalidInput):
    """A check request that cannot be answered as given."""

    code = "invalid_check"


class InvalidMonth(InvalidInput):
    """A month that is not YYYY-MM."""

    code = "invalid_month"
