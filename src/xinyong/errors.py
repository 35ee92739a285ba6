"""The one error family: every refusal the platform gives is a XinyongError."""

from __future__ import annotations


class XinyongError(Exception):
    """Base error: a Chinese message for people, an HTTP status and a stable code for machines."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        """Return the JSON body rendered under /api."""
        return {"error": self.code, "detail": self.message}


class InvalidInput(XinyongError):
    """Input that fails validation."""

    status = 422
    code = "invalid_input"


class NotFound(XinyongError):
    """The thing asked for does not exist."""

    status = 404
    code = "not_found"


class Conflict(XinyongError):
    """The request clashes with what is stored (duplicate, stale state)."""

    status = 409
    code = "conflict"


class Unauthorized(XinyongError):
    """No valid credentials were given."""

    status = 401
    code = "unauthorized"


class Forbidden(XinyongError):
    """Credentials are valid but do not allow this."""

    status = 403
    code = "forbidden"


class IllegalTransition(XinyongError):
    """A workflow was asked to move along a path its transition table forbids."""

    status = 409
    code = "illegal_transition"


class ConfigurationError(XinyongError):
    """The platform is configured wrongly and must not start or continue."""

    status = 500
    code = "configuration_error"
