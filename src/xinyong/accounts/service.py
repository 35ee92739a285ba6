"""Users, API keys, logins and the permission checks every route uses (F15)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xinyong.accounts import repository
from xinyong.accounts.errors import InvalidApiKey, LoginFailed, NotAllowed, UserExists, WeakPassword
from xinyong.accounts.models import ApiKey, LoginSession, User
from xinyong.accounts.states import ApiKeyStatus, Role, UserStatus, api_key_machine, user_machine
from xinyong.audit.service import record_event
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.errors import InvalidInput
from xinyong.logs import get_logger

_hasher = PasswordHasher()
USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")
API_KEY_PREFIX = "xy_"
MIN_PASSWORD_LENGTH = 10

log = get_logger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a console user or an API key, with role and department scope."""

    kind: str
    id: int
    name: str
    role: Role
    department_id: int | None

    @property
    def actor(self) -> str:
        """Audit label."""
        return f"{self.kind}:{self.id}"

    def require(self, *roles: Role) -> None:
        """Raise NotAllowed unless the caller has one of the roles."""
        if self.role not in roles:
            allowed = "、".join(r.label for r in roles)
            raise NotAllowed(f"无权操作：需要{allowed}角色，当前为{self.role.label}")

    def require_department(self, department_id: int) -> None:
        """Department-scoped callers may act only for their own department."""
        if self.role is Role.CREDIT_OFFICE_ADMIN:
            return
        if self.department_id != department_id:
            raise NotAllowed("无权操作：只能处理本部门的数据")


def hash_password(password: str) -> str:
    """Argon2id hash."""
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    """Minimum rules for console passwords."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"密码至少{MIN_PASSWORD_LENGTH}位")
    if password.isdigit() or password.isalpha():
        raise WeakPassword("密码须同时包含字母和数字或符号")


def create_user(
    session: Session, *, username: str, display_name: str, password: str, role: Role,
    department: Department | None, actor: str,
) -> User:
    """Add a console user; department clerks must belong to a department."""
    if not USERNAME_RE.fullmatch(username):
        raise InvalidInput("用户名须以小写字母开头,3–64位小写字母、数字、点、下划线或连字符")
    if repository.get_user_by_username(session, username) is not None:
        raise UserExists(f"用户名 {username} 已存在")
    if role.needs_department and department is None:
        raise InvalidInput(f"{role.label}必须指定所属部门")
    display_name = display_name.strip() or username
    if len(display_name) > 100:
        raise InvalidInput("显示名不能超过100字")
    check_password_strength(password)
    user = User(
        username=username, display_name=display_name, password_hash=hash_password(password),
        role=role, department_id=department.id if department else None, status=UserStatus.ACTIVE,
    )
    session.add(user)
    session.flush()
    record_event(session, actor=actor, action="user.created", entity_type="user", entity_id=user.id,
                 detail={"username": username, "role": role.value})
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a login; the error never tells whether the name or the password was wrong."""
    user = repository.get_user_by_username(session, username)
    try:
        if user is None:
            _hasher.hash(password)  # spend the same time as a real check
            raise LoginFailed("用户名或密码错误")
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError) as exc:
        raise LoginFailed("用户名或密码错误") from exc
    if user.status != UserStatus.ACTIVE:
        raise LoginFailed("该账号已停用，请联系信用办管理员")
    return user


def set_user_status(session: Session, user: User, status: UserStatus, *, actor: str, reason: str | None = None) -> None:
    """Enable or disable a console account."""
    user_machine.transition(session, user, status, actor=actor, reason=reason)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(session: Session, user: User, hours: int) -> tuple[LoginSession, str]:
    """Create a login session; returns it with the cookie token (shown only now)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    login = LoginSession(token_hash=_token_hash(token), csrf_token=secrets.token_urlsafe(24), user_id=user.id,
                         created_at=now, expires_at=now + dt.timedelta(hours=hours))
    user.last_login_at = now
    session.add(login)
    session.flush()
    record_event(session, actor=f"user:{user.id}", action="user.login", entity_type="user", entity_id=user.id)
    return login, token


def resolve_login_session(session: Session, token: str | None) -> LoginSession | None:
    """The live login session for a cookie token, or None."""
    if not token:
        return None
    login = repository.get_login_session(session, _token_hash(token))
    if login is None or login.expires_at < utcnow() or login.user.status != UserStatus.ACTIVE:
        return None
    return login


def end_login_session(session: Session, login: LoginSession) -> None:
    """Log out."""
    record_event(session, actor=f"user:{login.user_id}", action="user.logout", entity_type="user",
                 entity_id=login.user_id)
    session.delete(login)
    session.flush()


def principal_for_user(user: User) -> Principal:
    """Principal of a logged-in console user."""
    return Principal("user", user.id, user.display_name, Role(user.role), user.department_id)


def create_api_key(session: Session, *, name: str, role: Role, department: Department | None,
                   actor: str) -> tuple[ApiKey, str]:
    """Issue an API key; the plain key is returned once and only its hash is kept."""
    if role not in (Role.BUSINESS_SYSTEM, Role.DEPARTMENT_CLERK):
        raise InvalidInput("API 密钥只能发给业务系统或部门")
    if role.needs_department and department is None:
        raise InvalidInput("部门 API 密钥必须指定部门")
    if not name.strip() or len(name) > 100:
        raise InvalidInput("API 密钥名称不能为空且不超过100字")
    secret = secrets.token_urlsafe(32)
    plain = f"{API_KEY_PREFIX}{secret}"
    key = ApiKey(name=name.strip(), prefix=plain[:10], key_hash=_token_hash(plain), role=role,
                 department_id=department.id if department else None, status=ApiKeyStatus.ACTIVE)
    session.add(key)
    session.flush()
    record_event(session, actor=actor, action="api_key.created", entity_type="api_key", entity_id=key.id,
                 detail={"name": key.name, "role": role.value, "prefix": key.prefix})
    return key, plain


LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
KEY_CACHE_SECONDS = 5.0
# Resolved keys per process: business systems call with one key thousands of times a second. A key
# revoked here is dropped at once; revoked in another process (CLI, other worker) it works at most
# KEY_CACHE_SECONDS longer there.
_key_cache: dict[tuple[object, str], tuple[float, Principal]] = {}


def _key_cache_slot(session: Session, digest: str) -> tuple[object, str]:
    return (session.get_bind().engine.url, digest)


def _touch_last_used(session: Session, key: ApiKey, now: dt.datetime) -> None:
    bind = session.get_bind()
    if not isinstance(bind, Engine):  # a session on a caller's connection (tests, CLI): write in its transaction
        key.last_used_at = now
        return
    # Its own short transaction: on SQLite, turning the request's read transaction into a write one is
    # where concurrent requests fail with "database is locked". A usage stamp is not worth failing a request.
    try:
        with bind.begin() as connection:
            connection.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
    except OperationalError as exc:
        log.warning("api_key_last_used_not_written", key_id=key.id, error=str(exc).splitlines()[0])


def resolve_api_key(session: Session, presented: str) -> Principal:
    """Principal of a presented API key, or InvalidApiKey."""
    digest = _token_hash(presented.strip())
    slot = _key_cache_slot(session, digest)
    cached = _key_cache.get(slot)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    key = repository.get_api_key_by_hash(session, digest)
    if key is None or key.status != ApiKeyStatus.ACTIVE:
        _key_cache.pop(slot, None)
        raise InvalidApiKey("API 密钥无效或已吊销")
    now = utcnow()
    # At most one write a minute: a write per request would serialise every request of one key on its row.
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        _touch_last_used(session, key, now)
    principal = Principal("api_key", key.id, key.name, Role(key.role), key.department_id)
    if len(_key_cache) > 10_000:
        _key_cache.clear()
    _key_cache[slot] = (time.monotonic() + KEY_CACHE_SECONDS, principal)
    return principal


def revoke_api_key(session: Session, key: ApiKey, *, actor: str, reason: str | None = None) -> None:
    """Revoke an API key for good."""
    api_key_machine.transition(session, key, ApiKeyStatus.REVOKED, actor=actor, reason=reason)
    _key_cache.pop(_key_cache_slot(session, key.key_hash), None)
