"""Department errors."""

from __future__ import annotations

from xinyong.errors import Conflict, NotFound


class DepartmentNotFound(NotFound):
    """No department with that code."""

    code = "department_not_found"


class DepartmentExists(Conflict):
    """The department is already registered."""

    code = "department_exists"
