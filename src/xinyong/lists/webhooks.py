"""Webhooks (F14): departments receive signed list changes of their domains, delivered by jobs with retries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong import __version__
from xinyong.accounts.errors import NotAllowed
from xinyong.accounts.service import Principal
from xinyong.accounts.states import Role
from xinyong.audit.service import record_event
from xinyong.crypto import Keyring
from xinyong.departments.models import Department
from xinyong.lists.definitions import Domain
from xinyong.lists.errors import DuplicateWebhook, InvalidWebhook, WebhookNotFound
from xinyong.lists.models import ListEntry, ListType, Webhook, WebhookDelivery
from xinyong.lists.states import DeliveryStatus, delivery_machine
from xinyong.records import feed
from xinyong.records.models import ChangeEvent
from xinyong.system.models import SystemValue

URL_MAX = 500
SECRET_PURPOSE = "webhook-secret"
ACTOR = "system:webhooks"
# Retry after 1 min, 5 min, 30 min, 2 h, 12 h; the attempt after the last wait is the final one.
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 200  # deliveries attempted per run at most
WORKERS = 8  # receivers served in parallel; one receiver's deliveries stay in event order
CURSOR_NAME = "webhooks.enqueued_through"
# Events committed out of id order (a short list transaction finishing after a later one) are caught by
# re-reading this many ids behind the stored cursor; the unique pair (webhook, event) keeps it idempotent.
LOOKBACK_IDS = 10_000
MANAGERS = (Role.CREDIT_OFFICE_ADMIN, Role.DEPARTMENT_CLERK)

# A sender POSTs and returns the HTTP status (any status); it raises on timeouts and connection errors.
Sender = Callable[[str, bytes, Mapping[str, str], float], int]


# ------------------------------------------------------------------ registration


def check_url(url: str) -> str:
    """An http(s) address with a host and no credentials, at most 500 characters."""
    url = (url or "").strip()
    if not url:
        raise InvalidWebhook("接收地址不能为空")
    if len(url) > URL_MAX:
        raise InvalidWebhook(f"接收地址不能超过 {URL_MAX} 个字符（实为 {len(url)} 个）")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidWebhook("接收地址不能包含空白或控制字符")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise InvalidWebhook(f"接收地址格式错误：{url}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidWebhook(f"接收地址须以 http:// 或 https:// 开头，实为“{url}”")
    if not parts.hostname:
        raise InvalidWebhook(f"接收地址缺少主机名：{url}")
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhook("接收地址中不能包含用户名或密码（请改用签名密钥验证来源）")
    return url


def check_domains(domains: Iterable[str]) -> list[str]:
    """Known key domains, at least one, without repeats, in the given order."""
    wanted = [d for d in dict.fromkeys((d or "").strip() for d in domains) if d]
    if not wanted:
        raise InvalidWebhook("至少须订阅一个重点领域")
    known = {d.value for d in Domain}
    unknown = [d for d in wanted if d not in known]
    if unknown:
        raise InvalidWebhook(f"未知的重点领域：{'、'.join(unknown)}（可选：{'、'.join(domain_values())}）")
    return wanted


def domain_values() -> list[str]:
    """Every key domain, in definition order."""
    return [d.value for d in Domain]


def require_manager(principal: Principal, department_id: int) -> None:
    """The credit office, or a clerk of the department itself."""
    principal.require(*MANAGERS)
    if principal.role is not Role.CREDIT_OFFICE_ADMIN and principal.department_id != department_id:
        raise NotAllowed("无权操作：只能管理本部门的订阅（Webhook）")


def register_webhook(session: Session, keyring: Keyring, principal: Principal, department: Department, url: str,
                     domains: Iterable[str]) -> tuple[Webhook, str]:
    """Register a receiver; returns it with its signing secret, which is shown this once and stored encrypted."""
    require_manager(principal, department.id)
    url, wanted = check_url(url), check_domains(domains)
    same = select(Webhook.id).where(Webhook.department_id == department.id, Webhook.url == url, Webhook.is_active)
    if (existing := session.scalar(same)) is not None:
        raise DuplicateWebhook(f"本部门已登记相同接收地址的订阅（编号 {existing}），请先停用再重新登记")
    secret = secrets.token_urlsafe(32)
    hook = Webhook(department_id=department.id, url=url, secret_cipher=keyring.encrypt(secret, SECRET_PURPOSE),
                   domains=wanted, is_active=True, created_by=principal.actor)
    session.add(hook)
    session.flush()
    record_event(session, actor=principal.actor, action="webhook.registered", entity_type="webhook",
                 entity_id=hook.id, detail={"department": department.uscc, "url": url, "domains": wanted})
    return hook, secret


def get_webhook(session: Session, webhook_id: int) -> Webhook:
    """A webhook by id, or WebhookNotFound."""
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise WebhookNotFound(f"订阅（Webhook）{webhook_id} 不存在")
    return hook


def deactivate_webhook(session: Session, principal: Principal, hook: Webhook) -> Webhook:
    """Stop a receiver; what it has not received yet is given up (status failed, reason recorded)."""
    require_manager(principal, hook.department_id)
    if not hook.is_active:
        return hook
    hook.is_active = False
    pending = session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id,
                                                            WebhookDelivery.status == DeliveryStatus.PENDING))
    for delivery in pending:
        delivery.last_error = "订阅已停用，不再投递"
        delivery_machine.transition(session, delivery, DeliveryStatus.FAILED, actor=principal.actor,
                                    reason="订阅已停用")
    record_event(session, actor=principal.actor, action="webhook.deactivated", entity_type="webhook",
                 entity_id=hook.id, detail={"url": hook.url})
    session.flush()
    return hook


def webhooks_visible_to(session: Session, principal: Principal) -> list[tuple[Webhook, Department]]:
    """All webhooks for the credit office; a clerk sees their own department's."""
    principal.require(*MANAGERS)
    stmt = select(Webhook, Department).join(Department, Department.id == Webhook.department_id).order_by(Webhook.id)
    if principal.role is not Role.CREDIT_OFFICE_ADMIN:
        stmt = stmt.where(Webhook.department_id == principal.department_id)
    return [(hook, dept) for hook, dept in session.execute(stmt).all()]


def deliveries_of(session: Session, hook: Webhook, *, status: DeliveryStatus | None = None,
                  limit: int = 100) -> list[tuple[WebhookDelivery, str]]:
    """A webhook's deliveries, newest first, each with the kind of its event."""
    stmt = (select(WebhookDelivery, ChangeEvent.kind).join(ChangeEvent, ChangeEvent.id == WebhookDelivery.change_event_id)
            .where(WebhookDelivery.webhook_id == hook.id).order_by(WebhookDelivery.id.desc()).limit(limit))
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return [(delivery, str(kind)) for delivery, kind in session.execute(stmt).all()]


# ------------------------------------------------------------------ queue


def _cursor(session: Session) -> tuple[SystemValue | None, int]:
    stored = session.get(SystemValue, CURSOR_NAME)
    return stored, int(stored.value.decode()) if stored is not None else 0


def enqueue(session: Session) -> int:
    """Queue a pending delivery per active webhook for each new list event of its domains; idempotent.

    A webhook receives the events that happened after it was registered, never the backlog before it.
    """
    stored, through = _cursor(session)
    newest = feed.last_cursor(session)
    hooks = session.scalars(select(Webhook).where(Webhook.is_active).order_by(Webhook.id)).all()
    low = max(0, through - LOOKBACK_IDS)
    added = 0
    if hooks and newest > low:
        events = session.execute(
            select(ChangeEvent.id, ChangeEvent.occurred_at, ListType.domain)
            .join(ListEntry, ListEntry.id == ChangeEvent.list_entry_id)
            .join(ListType, ListType.id == ListEntry.list_type_id)
            .where(ChangeEvent.id > low, ChangeEvent.id <= newest, ChangeEvent.topic == feed.LIST_TOPIC)
            .order_by(ChangeEvent.id)
        ).all()
        have = {(hook_id, event_id) for hook_id, event_id in session.execute(
            select(WebhookDelivery.webhook_id, WebhookDelivery.change_event_id)
            .where(WebhookDelivery.webhook_id.in_([hook.id for hook in hooks]),  # the unique index's prefix
                   WebhookDelivery.change_event_id > low, WebhookDelivery.change_event_id <= newest))}
        rows = [
            {"webhook_id": hook.id, "change_event_id": event_id, "status": DeliveryStatus.PENDING, "attempts": 0,
             "next_attempt_at": occurred}
            for event_id, occurred, domain in events
            for hook in hooks
            if str(domain) in hook.domains and occurred >= hook.created_at and (hook.id, event_id) not in have
        ]
        if rows:
            try:
                with session.begin_nested():
                    session.add_all(WebhookDelivery(**row) for row in rows)
                    session.flush()
                added = len(rows)
            except IntegrityError:  # another job run queued them first: nothing is lost
                added = 0
    if newest > through:
        if stored is None:
            session.add(SystemValue(name=CURSOR_NAME, value=str(newest).encode()))
        else:
            stored.value = str(newest).encode()
        session.flush()
    return added


# ------------------------------------------------------------------ delivery


def sign(secret: str, body: bytes) -> str:
    """The X-Xinyong-Signature value: sha256= and the hex HMAC-SHA256 of the raw body under the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def payload(delivery_id: int, change: feed.ChangeOut) -> bytes:
    """The JSON body of one delivery (UTF-8); persons are masked as in the feed."""
    body = change.model_dump(mode="json", include={"occurred_at", "kind", "topic", "subject_name", "subject_code",
                                                   "department", "list_entry"})
    body = {"delivery_id": delivery_id, "event_id": change.cursor, **body}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx: never re-send a signed body elsewhere."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def urllib_sender(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    """POST with the standard library; the answer's status, whatever it is."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)


@dataclass
class _Attempt:
    delivery_id: int
    status_code: int | None = None
    error: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _try(delivery_id: int, sender: Sender, url: str, body: bytes, headers: Mapping[str, str],
         timeout: float) -> _Attempt:
    """One POST; a receiver's failure becomes a recorded outcome, never an exception."""
    attempt = _Attempt(delivery_id)
    try:
        attempt.status_code = sender(url, body, headers, timeout)
        if not attempt.ok:
            attempt.error = f"接收方返回 HTTP {attempt.status_code}"
    except TimeoutError:
        attempt.error = f"超时：{timeout:g} 秒内未响应"
    except urllib.error.URLError as exc:
        reason = exc.reason
        attempt.error = (f"超时：{timeout:g} 秒内未响应" if isinstance(reason, TimeoutError)
                         else f"连接失败：{reason}")
    except Exception as exc:  # noqa: BLE001 - whatever a receiver does, the job goes on
        attempt.error = f"投递出错：{type(exc).__name__}: {exc}"
    return attempt


def _serve_receiver(sender: Sender, url: str, jobs: Sequence[tuple[int, bytes, dict[str, str]]],
                    timeout: float) -> list[_Attempt]:
    """One receiver's due deliveries in event order; after a failure the rest wait for the next run."""
    results: list[_Attempt] = []
    failed = False
    for delivery_id, body, headers in jobs:
        if failed:
            results.append(_Attempt(delivery_id, skipped=True))
            continue
        attempt = _try(delivery_id, sender, url, body, headers, timeout)
        failed = not attempt.ok
        results.append(attempt)
    return results


def deliver_due(session: Session, keyring: Keyring, now: dt.datetime, *, timeout: float = 5.0,
                client: Sender | None = None) -> dict[str, int]:
    """POST every due delivery (signed); 2xx is delivered, anything else is retried with backoff, then failed.

    No HTTP call happens while this session holds a write: reads first, then the calls, then the outcomes.
    """
    sender = client or urllib_sender
    due = session.execute(
        select(WebhookDelivery, Webhook)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
               Webhook.is_active)
        .order_by(WebhookDelivery.id).limit(BATCH)
    ).all()
    counts = {"due": len(due), "delivered": 0, "retrying": 0, "failed": 0, "deferred": 0}
    if not due:
        return counts
    changes = feed.changes_by_id(session, [d.change_event_id for d, _ in due])
    by_hook: dict[int, tuple[Webhook, list[tuple[int, bytes, dict[str, str]]]]] = {}
    secret_of: dict[int, str] = {}
    for delivery, hook in due:
        if hook.id not in by_hook:
            by_hook[hook.id] = (hook, [])
            secret_of[hook.id] = keyring.decrypt(hook.secret_cipher, SECRET_PURPOSE)
        change = changes[delivery.change_event_id]
        body = payload(delivery.id, change)
        secret = secret_of[hook.id]
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"xinyong-webhooks/{__version__}",
                   "X-Xinyong-Event": change.kind, "X-Xinyong-Delivery": str(delivery.id),
                   "X-Xinyong-Signature": sign(secret, body)}
        by_hook[hook.id][1].append((delivery.id, body, headers))
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(by_hook))) as pool:
        futures = [pool.submit(_serve_receiver, sender, hook.url, jobs, timeout) for hook, jobs in by_hook.values()]
        attempts = {a.delivery_id: a for f in futures for a in f.result()}
    for delivery, _ in due:
        _record(session, delivery, attempts[delivery.id], now, counts)
    session.flush()
    return counts


def _record(session: Session, delivery: WebhookDelivery, attempt: _Attempt, now: dt.datetime,
            counts: dict[str, int]) -> None:
    """Store one outcome: delivered, another try later, or given up after the last."""
    if attempt.skipped:
        counts["deferred"] += 1
        return
    delivery.attempts += 1
    delivery.last_status_code = attempt.status_code
    if attempt.ok:
        delivery.last_error, delivery.delivered_at = None, now
        delivery_machine.transition(session, delivery, DeliveryStatus.DELIVERED, actor=ACTOR,
                                    reason=f"第 {delivery.attempts} 次投递成功（HTTP {attempt.status_code}）")
        counts["delivered"] += 1
        return
    delivery.last_error = (attempt.error or "投递失败")[:500]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery_machine.transition(session, delivery, DeliveryStatus.FAILED, actor=ACTOR,
                                    reason=f"已尝试 {delivery.attempts} 次仍失败：{delivery.last_error}"[:500])
        counts["failed"] += 1
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        counts["retrying"] += 1


def process(session: Session, keyring: Keyring, now: dt.datetime, *, timeout: float = 5.0,
            client: Sender | None = None) -> dict[str, int]:
    """Queue new list events, then deliver what is due, in the caller's unit of work.

    The CLI runs the two steps as two units of work instead, so that the queue is committed before any HTTP
    call and a slow receiver never holds the database's write lock (SQLite).
    """
    queued = enqueue(session)
    return {"queued": queued, **deliver_due(session, keyring, now, timeout=timeout, client=client)}


def pending_count(session: Session) -> int:
    """Deliveries still waiting (for the console and the CLI)."""
    return session.scalar(select(func.count()).select_from(WebhookDelivery)
                          .where(WebhookDelivery.status == DeliveryStatus.PENDING)) or 0
