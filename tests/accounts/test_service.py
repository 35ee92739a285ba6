"""Users, passwords, login sessions, API keys and permission checks (F15) on both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_uscc
from xinyong.accounts import repository, service
from xinyong.accounts.errors import InvalidApiKey, LoginFailed, NotAllowed, UserExists, WeakPassword
from xinyong.accounts.models import ApiKey, LoginSession, User
from xinyong.accounts.service import Principal
from xinyong.accounts.states import ApiKeyStatus, Role, UserStatus
from xinyong.audit.models import AuditEvent
from xinyong.db import utcnow
from xinyong.departments import service as departments_service
from xinyong.departments.models import Department
from xinyong.errors import IllegalTransition, InvalidInput

PASSWORD = "Zhangzhou2024!"


@pytest.fixture()
def department(session: Session) -> Department:
    return departments_service.add_department(session, uscc=make_uscc("11"), name="漳州市测试局", actor="test")


def _user(session: Session, username: str = "clerk1", *, role: Role = Role.CREDIT_OFFICE_ADMIN,
          department: Department | None = None, password: str = PASSWORD, display_name: str = "张经办") -> User:
    return service.create_user(session, username=username, display_name=display_name, password=password,
                               role=role, department=department, actor="test")


def _events(session: Session, action: str, entity_id: int) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                         AuditEvent.entity_id == str(entity_id))))


# --- users ----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["ab", "Admin", "1admin", "_admin", "张三", "ad min", "admin!", "a" * 65,
                                      "", "admin\n", " admin"])
def test_bad_usernames_are_refused(session: Session, username: str) -> None:
    with pytest.raises(InvalidInput, match="用户名"):
        _user(session, username)
    assert repository.get_user_by_username(session, username) is None


def test_user_is_created_with_argon2_hash_and_audited(session: Session, department: Department) -> None:
    user = _user(session, "wang.li-2_x", role=Role.DEPARTMENT_CLERK, department=department,
                 display_name=" 王丽 ")
    session.expire_all()
    stored = repository.get_user_by_username(session, "wang.li-2_x")
    assert stored is not None and stored.id == user.id
    assert stored.display_name == "王丽"
    assert stored.role == Role.DEPARTMENT_CLERK and stored.status == UserStatus.ACTIVE
    assert stored.department_id == department.id and stored.department.name == "漳州市测试局"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert PasswordHasher().verify(stored.password_hash, PASSWORD)
    [event] = _events(session, "user.created", user.id)
    assert event.actor == "test" and event.detail == {"username": "wang.li-2_x", "role": "department_clerk"}
    assert PASSWORD not in json.dumps(event.detail, ensure_ascii=False)
    # A user name of exactly 64 characters is the upper bound and allowed; blank display name falls back.
    long_name = "a" * 64
    assert _user(session, long_name, display_name="  ").display_name == long_name


def test_overlong_display_name_is_refused_on_every_backend(session: Session) -> None:
    # The column holds 100 characters; longer must be a clear refusal, not a database error on PostgreSQL.
    with pytest.raises(InvalidInput, match="100"):
        _user(session, "longname", display_name="名" * 101)
    assert repository.get_user_by_username(session, "longname") is None
    assert _user(session, "longname", display_name="名" * 100).display_name == "名" * 100


def test_same_password_gives_different_hashes(session: Session) -> None:
    a, b = _user(session, "user_a"), _user(session, "user_b")
    assert a.password_hash != b.password_hash


def test_duplicate_username_is_refused(session: Session) -> None:
    _user(session, "dupe")
    with pytest.raises(UserExists, match="dupe") as info:
        _user(session, "dupe", display_name="另一个人")
    assert (info.value.status, info.value.code) == (409, "user_exists")
    assert len(list(session.scalars(select(User).where(User.username == "dupe")))) == 1


@pytest.mark.parametrize("password, why", [
    ("Abc12345!", "至少10位"),          # 9 characters
    ("", "至少10位"),
    ("12345678901234", "字母"),         # digits only
    ("abcdefghijklmn", "字母"),         # letters only
    ("ABCDEFghijklmnop", "字母"),
    ("信用信息平台密码很长的", "字母"),  # letters only, even if not Latin
])
def test_weak_passwords_are_refused(session: Session, password: str, why: str) -> None:
    with pytest.raises(WeakPassword, match=why) as info:
        _user(session, "weakling", password=password)
    assert (info.value.status, info.value.code) == (422, "weak_password")
    assert repository.get_user_by_username(session, "weakling") is None


def test_department_clerk_needs_a_department(session: Session, department: Department) -> None:
    with pytest.raises(InvalidInput, match="部门经办人必须指定所属部门"):
        _user(session, "nodept", role=Role.DEPARTMENT_CLERK)
    assert repository.get_user_by_username(session, "nodept") is None
    for role in (Role.CREDIT_OFFICE_ADMIN, Role.REVIEWER):
        assert _user(session, f"ok_{role.value}", role=role).department_id is None


# --- authentication -----------------------------------------------------------------------


def test_authenticate_gives_one_message_for_wrong_password_and_unknown_user(session: Session) -> None:
    user = _user(session, "loginuser")
    assert service.authenticate(session, "loginuser", PASSWORD).id == user.id
    with pytest.raises(LoginFailed) as wrong:
        service.authenticate(session, "loginuser", PASSWORD + "x")
    with pytest.raises(LoginFailed) as unknown:
        service.authenticate(session, "nobody_here", PASSWORD)
    with pytest.raises(LoginFailed) as empty:
        service.authenticate(session, "loginuser", "")
    assert wrong.value.message == unknown.value.message == empty.value.message == "用户名或密码错误"
    assert wrong.value.to_dict() == unknown.value.to_dict() == {"error": "login_failed", "detail": "用户名或密码错误"}
    assert wrong.value.status == 401


def test_disabled_user_cannot_log_in_until_enabled_again(session: Session) -> None:
    user = _user(session, "leaver")
    service.set_user_status(session, user, UserStatus.DISABLED, actor="admin", reason="离职")
    session.expire_all()
    with pytest.raises(LoginFailed, match="停用"):
        service.authenticate(session, "leaver", PASSWORD)
    with pytest.raises(IllegalTransition):
        service.set_user_status(session, user, UserStatus.DISABLED, actor="admin")
    service.set_user_status(session, user, UserStatus.ACTIVE, actor="admin")
    assert service.authenticate(session, "leaver", PASSWORD).id == user.id


def test_corrupt_stored_hash_means_login_failed_not_a_crash(session: Session) -> None:
    user = _user(session, "corrupt")
    user.password_hash = PASSWORD  # as if someone had stored a plain password
    session.flush()
    with pytest.raises(LoginFailed, match="用户名或密码错误"):
        service.authenticate(session, "corrupt", PASSWORD)


# --- login sessions -----------------------------------------------------------------------


def test_login_session_lifecycle(session: Session) -> None:
    user = _user(session, "sessions")
    login, token = service.start_login_session(session, user, 8)
    assert len(token) >= 32
    assert login.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert login.csrf_token and login.csrf_token != token
    assert dt.timedelta(hours=7, minutes=59) < login.expires_at - login.created_at <= dt.timedelta(hours=8)
    assert user.last_login_at is not None
    assert len(_events(session, "user.login", user.id)) == 1
    session.expire_all()

    found = service.resolve_login_session(session, token)
    assert found is not None and found.id == login.id and found.user.username == "sessions"
    assert service.resolve_login_session(session, None) is None
    assert service.resolve_login_session(session, "") is None
    assert service.resolve_login_session(session, token + "x") is None
    assert service.resolve_login_session(session, login.token_hash) is None  # the stored hash is no key

    # A second login is a separate session.
    other, other_token = service.start_login_session(session, user, 8)
    assert other_token != token and other.token_hash != login.token_hash

    service.end_login_session(session, found)
    session.expire_all()
    assert session.get(LoginSession, login.id) is None
    assert service.resolve_login_session(session, token) is None
    assert len(_events(session, "user.logout", user.id)) == 1
    assert service.resolve_login_session(session, other_token) is not None


def test_expired_login_session_is_not_accepted(session: Session) -> None:
    user = _user(session, "expiring")
    login, token = service.start_login_session(session, user, 1)
    login.expires_at = utcnow() - dt.timedelta(seconds=5)
    session.flush()
    session.expire_all()
    assert service.resolve_login_session(session, token) is None
    # Expired sessions can be swept; live ones stay.
    live, live_token = service.start_login_session(session, user, 1)
    assert repository.delete_expired_sessions(session, utcnow()) == 1
    session.expire_all()
    assert session.get(LoginSession, login.id) is None
    assert service.resolve_login_session(session, live_token) is not None


def test_login_session_of_a_disabled_user_stops_working(session: Session) -> None:
    user = _user(session, "disabled_mid_session")
    _, token = service.start_login_session(session, user, 8)
    service.set_user_status(session, user, UserStatus.DISABLED, actor="admin")
    session.expire_all()
    assert service.resolve_login_session(session, token) is None


# --- API keys -------------------------------------------------------------------------------


def test_api_key_is_shown_once_and_only_its_hash_is_stored(session: Session) -> None:
    key, plain = service.create_api_key(session, name=" 市公共资源交易系统 ", role=Role.BUSINESS_SYSTEM,
                                        department=None, actor="admin")
    assert plain.startswith("xy_") and len(plain) > 40
    session.expire_all()
    stored = session.get(ApiKey, key.id)
    assert stored is not None
    assert stored.name == "市公共资源交易系统"
    assert stored.key_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert stored.prefix == plain[:10] and stored.prefix.startswith("xy_")
    assert stored.role == Role.BUSINESS_SYSTEM and stored.status == ApiKeyStatus.ACTIVE
    assert stored.department_id is None and stored.last_used_at is None
    row = {c.name: getattr(stored, c.key) for c in ApiKey.__table__.columns}
    assert all(plain not in str(v) for v in row.values())
    [event] = _events(session, "api_key.created", key.id)
    assert event.detail == {"name": "市公共资源交易系统", "role": "business_system", "prefix": plain[:10]}
    assert plain not in json.dumps(event.detail)

    other, other_plain = service.create_api_key(session, name="另一系统", role=Role.BUSINESS_SYSTEM,
                                                department=None, actor="admin")
    assert other_plain != plain and other.key_hash != stored.key_hash


def test_api_key_resolves_to_its_principal(session: Session, department: Department) -> None:
    key, plain = service.create_api_key(session, name="部门报送", role=Role.DEPARTMENT_CLERK,
                                        department=department, actor="admin")
    principal = service.resolve_api_key(session, f"  {plain}\n")
    assert principal == Principal("api_key", key.id, "部门报送", Role.DEPARTMENT_CLERK, department.id)
    assert principal.actor == f"api_key:{key.id}"
    session.flush()
    session.expire_all()
    assert session.get(ApiKey, key.id).last_used_at is not None


@pytest.mark.parametrize("presented", ["", "xy_", "xy_nonsense", "Bearer xy_abc"])
def test_unknown_api_key_is_refused(session: Session, presented: str) -> None:
    with pytest.raises(InvalidApiKey) as info:
        service.resolve_api_key(session, presented)
    assert info.value.to_dict()["error"] == "invalid_api_key" and info.value.status == 401


def test_revoked_api_key_is_refused_for_good(session: Session) -> None:
    key, plain = service.create_api_key(session, name="旧系统", role=Role.BUSINESS_SYSTEM, department=None,
                                        actor="admin")
    service.revoke_api_key(session, key, actor="admin", reason="系统下线")
    session.expire_all()
    with pytest.raises(InvalidApiKey, match="无效或已吊销"):
        service.resolve_api_key(session, plain)
    stored = session.get(ApiKey, key.id)
    assert stored.status == ApiKeyStatus.REVOKED and stored.last_used_at is None
    with pytest.raises(IllegalTransition, match="已吊销"):
        service.revoke_api_key(session, stored, actor="admin")


@pytest.mark.parametrize("role", [Role.CREDIT_OFFICE_ADMIN, Role.REVIEWER])
def test_api_keys_only_for_business_systems_and_departments(session: Session, role: Role,
                                                            department: Department) -> None:
    with pytest.raises(InvalidInput, match="业务系统或部门"):
        service.create_api_key(session, name="越权", role=role, department=department, actor="admin")
    assert not list(session.scalars(select(ApiKey).where(ApiKey.name == "越权")))


def test_department_api_key_needs_a_department(session: Session) -> None:
    with pytest.raises(InvalidInput, match="部门"):
        service.create_api_key(session, name="无部门", role=Role.DEPARTMENT_CLERK, department=None,
                               actor="admin")
    assert not list(session.scalars(select(ApiKey).where(ApiKey.name == "无部门")))


@pytest.mark.parametrize("name", ["", "   ", "名" * 101])
def test_api_key_name_must_be_present_and_short(session: Session, name: str) -> None:
    before = len(repository.list_api_keys(session))
    with pytest.raises(InvalidInput, match="名称"):
        service.create_api_key(session, name=name, role=Role.BUSINESS_SYSTEM, department=None, actor="admin")
    assert len(repository.list_api_keys(session)) == before


def test_api_key_name_of_100_characters_is_accepted(session: Session) -> None:
    key, _ = service.create_api_key(session, name="名" * 100, role=Role.BUSINESS_SYSTEM, department=None,
                                    actor="admin")
    session.expire_all()
    assert session.get(ApiKey, key.id).name == "名" * 100


# --- principals -----------------------------------------------------------------------------


def test_principal_for_user_reflects_role_and_department(session: Session, department: Department) -> None:
    user = _user(session, "scoped", role=Role.DEPARTMENT_CLERK, department=department)
    session.expire_all()
    user = session.get(User, user.id)
    principal = service.principal_for_user(user)
    assert principal == Principal("user", user.id, "张经办", Role.DEPARTMENT_CLERK, department.id)
    assert principal.role is Role.DEPARTMENT_CLERK
    assert principal.actor == f"user:{user.id}"


def test_require_role() -> None:
    admin = Principal("user", 1, "管理员", Role.CREDIT_OFFICE_ADMIN, None)
    clerk = Principal("user", 2, "经办人", Role.DEPARTMENT_CLERK, 10)
    system = Principal("api_key", 3, "交易系统", Role.BUSINESS_SYSTEM, None)
    admin.require(Role.CREDIT_OFFICE_ADMIN)
    clerk.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    system.require(Role.BUSINESS_SYSTEM)
    with pytest.raises(NotAllowed) as info:
        system.require(Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)
    assert info.value.message == "无权操作：需要信用办管理员、部门经办人角色，当前为业务系统"
    assert (info.value.status, info.value.code) == (403, "not_allowed")
    with pytest.raises(NotAllowed, match="当前为部门经办人"):
        clerk.require(Role.CREDIT_OFFICE_ADMIN)
    with pytest.raises(NotAllowed, match="需要审核人"):
        admin.require(Role.REVIEWER)


def test_require_department_scope() -> None:
    admin = Principal("user", 1, "管理员", Role.CREDIT_OFFICE_ADMIN, None)
    clerk = Principal("user", 2, "经办人", Role.DEPARTMENT_CLERK, 10)
    dept_key = Principal("api_key", 4, "部门系统", Role.DEPARTMENT_CLERK, 10)
    system = Principal("api_key", 3, "交易系统", Role.BUSINESS_SYSTEM, None)
    reviewer = Principal("user", 5, "审核人", Role.REVIEWER, None)
    for dept in (10, 11, 999):
        admin.require_department(dept)
    clerk.require_department(10)
    dept_key.require_department(10)
    for who in (clerk, dept_key):
        with pytest.raises(NotAllowed, match="只能处理本部门的数据"):
            who.require_department(11)
    for who in (system, reviewer):
        with pytest.raises(NotAllowed):
            who.require_department(10)
