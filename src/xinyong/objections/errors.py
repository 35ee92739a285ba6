"""Errors of the objections domain."""

from __future__ import annotations

from xinyong.errors import InvalidInput, NotFound


class ObjectionTargetNotFound(NotFound):
    """The record or list entry objected to does not exist or is not public."""

    code = "objection_target_not_found"


class ObjectionNotFound(NotFound):
    """No such objection (or the tracking code and ID tail do not match)."""

    code = "objection_not_found"


class InvalidObjection(InvalidInput):
    """Objection content that cannot be accepted."""

    code = "invalid_objection"
