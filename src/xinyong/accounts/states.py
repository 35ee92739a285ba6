"""Roles and the status tables of users and API keys."""

from __future__ import annotations

from enum import StrEnum

from xinyong.statemachine import StateMachine


class Role(StrEnum):
    """Who may do what; department-scoped roles need a department."""

    CREDIT_OFFICE_ADMIN = "credit_office_admin"
    DEPARTMENT_CLERK = "department_clerk"
    REVIEWER = "reviewer"
    BUSINESS_SYSTEM = "business_system"

    @property
    def label(self) -> str:
        """Chinese name shown in the console."""
        return ROLE_LABELS[self]

    @property
    def needs_department(self) -> bool:
        """Department clerks act only for their own department."""
        return self is Role.DEPARTMENT_CLERK


ROLE_LABELS = {
    Role.CREDIT_OFFICE_ADMIN: "信用办管理员",
    Role.DEPARTMENT_CLERK: "部门经办人",
    Role.REVIEWER: "审核人",
    Role.BUSINESS_SYSTEM: "业务系统",
}


class UserStatus(StrEnum):
    """Console account status."""

    ACTIVE = "active"
    DISABLED = "disabled"


class ApiKeyStatus(StrEnum):
    """API key status; a revoked key never comes back."""

    ACTIVE = "active"
    REVOKED = "revoked"


USER_TRANSITIONS = {
    UserStatus.ACTIVE: {UserStatus.DISABLED},
    UserStatus.DISABLED: {UserStatus.ACTIVE},
}
API_KEY_TRANSITIONS: dict[ApiKeyStatus, set[ApiKeyStatus]] = {
    ApiKeyStatus.ACTIVE: {ApiKeyStatus.REVOKED},
    ApiKeyStatus.REVOKED: set(),
}

user_machine = StateMachine(
    "user", USER_TRANSITIONS, {UserStatus.ACTIVE: "启用", UserStatus.DISABLED: "停用"}
)
api_key_machine = StateMachine(
    "api_key", API_KEY_TRANSITIONS, {ApiKeyStatus.ACTIVE: "有效", ApiKeyStatus.REVOKED: "已吊销"}
)
