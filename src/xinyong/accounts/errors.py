"""Access-control errors."""

from __future__ import annotations

from xinyong.errors import Conflict, Forbidden, InvalidInput, Unauthorized


class LoginFailed(Unauthorized):
    """Wrong user name or password (never says which)."""

    code = "login_failed"


class InvalidApiKey(Unauthorized):
    """The API key is unknown or revoked."""

    code = "invalid_api_key"


class NotAllowed(Forbidden):
    """The caller's role or department does not allow this."""

    code = "not_allowed"


class UserExists(Conflict):
    """The user name is taken."""

    code = "user_exists"


class WeakPassword(InvalidInput):
    """The password does not meet the minimum rules."""

    code = "weak_password"


class CsrfFailed(Forbidden):
    """The form's CSRF token is missing or wrong."""

    code = "csrf_failed"
