"""Webhooks to departments on list changes, against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tests.factories import company, make_resident_id, person
from tests.lists.builders import CREDIT_OFFICE, DAY, proposal, recogniser
from tests.records import test_cli
from tests.records.builders import clerk_of, department, weekends_calendar
from tests.records.test_cli import Cli
from xinyong.accounts.errors import NotAllowed
from xinyong.accounts.service import create_api_key, create_user, start_login_session
from xinyong.accounts.states import Role
from xinyong.audit.models import StateTransition
from xinyong.crypto import read_keyring
from xinyong.db import utcnow
from xinyong.departments.models import Department
from xinyong.lists import service, webhooks
from xinyong.lists.errors import DuplicateWebhook, InvalidWebhook
from xinyong.lists.models import Webhook, WebhookDelivery
from xinyong.lists.states import DeliveryStatus
from xinyong.system.models import SystemValue
from xinyong.web import SESSION_COOKIE

HANG_SECONDS = 2.0


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        name = self.path.lstrip("/")
        with receiver.lock:
            receiver.seen[name].append(({k.lower(): v for k, v in self.headers.items()}, body))
            plan = receiver.plans.get(name, [])
            action = plan.pop(0) if plan else "200"
        if action == "hang":
            time.sleep(HANG_SECONDS)
            action = "200"
        try:
            self.send_response(int(action))
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:  # the platform gave up waiting
            pass

    def log_message(self, *args: object) -> None:
        pass


class Receiver:
    """A department's endpoint: answers each path by its plan (200, 500, hang), then 200."""

    def __init__(self) -> None:
        self.plans: dict[str, list[str]] = {}
        self.seen: dict[str, list[tuple[dict[str, str], bytes]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.receiver = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, name: str, *plan: str) -> str:
        """A fresh path with its answers."""
        path = f"{name}-{uuid.uuid4().hex[:8]}"
        self.plans[path] = list(plan)
        return f"http://127.0.0.1:{self.server.server_address[1]}/{path}"

    def requests(self, url: str) -> list[tuple[dict[str, str], bytes]]:
        """What the path received."""
        with self.lock:
            return list(self.seen[url.rsplit("/", 1)[1]])


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def _deliveries(session: Session, hook: Webhook) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                                .order_by(WebhookDelivery.id)))


def _tax_setup(session: Session) -> tuple[object, object]:
    return recogniser(session, "tax_a_grade", "tax_major_violation", name="国家税务总局漳州市税务局")


def test_delivery_is_signed_masked_and_recorded(session, keyring, receiver) -> None:
    dept, clerk = _tax_setup(session)
    url = receiver.url("signed")
    hook, secret = webhooks.register_webhook(session, keyring, clerk, dept, url, ["税收"])
    assert secret not in hook.secret_cipher.decode("latin-1") and hook.domains == ["税收"]
    assert keyring.decrypt(hook.secret_cipher, webhooks.SECRET_PURPOSE) == secret
    number = make_resident_id()
    subject = person(session, keyring, name="欧阳明远", number=number)
    entry = service.propose(session, keyring, weekends_calendar(), clerk, dept,
                            proposal("tax_major_violation", subject, document_number=number))
    assert receiver.requests(url) == []  # the workflow never calls out
    counts = webhooks.process(session, keyring, utcnow(), timeout=3)
    assert (counts["queued"], counts["delivered"], counts["retrying"]) == (1, 1, 0)
    ((headers, body),) = receiver.requests(url)
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-xinyong-signature"] == f"sha256={expected}"
    assert headers["x-xinyong-event"] == "list.proposed"
    assert headers["content-type"].startswith("application/json")
    (delivery,) = _deliveries(session, hook)
    assert headers["x-xinyong-delivery"] == str(delivery.id)
    data = json.loads(body)
    assert data["delivery_id"] == delivery.id and data["event_id"] == delivery.change_event_id
    assert data["kind"] == "list.proposed" and data["topic"] == "list"
    item = data["list_entry"]
    assert (item["id"], item["list_type"], item["domain"], item["status"]) == (
        entry.id, "tax_major_violation", "税收", "proposed")
    assert item["subject_name"] == "欧**远" and item["subject_code"] is None
    assert item["subject_masked_id"] == entry.subject_masked_id
    assert number not in body.decode() and "欧阳明远" not in body.decode()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.last_status_code == 200 and delivery.delivered_at is not None
    history = session.scalars(select(StateTransition).where(StateTransition.entity_type == "webhook_delivery",
                                                            StateTransition.entity_id == str(delivery.id))).all()
    assert [(h.from_state, h.to_state) for h in history] == [("pending", "delivered")]
    # Nothing more to do: the run is idempotent.
    assert webhooks.process(session, keyring, utcnow())["due"] == 0
    assert len(receiver.requests(url)) == 1


def test_500_then_200_is_delivered_on_retry(session, keyring, receiver) -> None:
    dept, clerk = _tax_setup(session)
    url = receiver.url("flaky", "500", "200")
    hook, _ = webhooks.register_webhook(session, keyring, CREDIT_OFFICE, dept, url, ["税收"])
    service.propose(session, keyring, weekends_calendar(), clerk, dept, proposal("tax_a_grade", company(session)))
    assert webhooks.enqueue(session) == 1
    now = utcnow()
    first = webhooks.deliver_due(session, keyring, now, timeout=3)
    assert (first["delivered"], first["retrying"]) == (0, 1)
    (delivery,) = _deliveries(session, hook)
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500 and "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
    assert webhooks.deliver_due(session, keyring, now + dt.timedelta(seconds=30))["due"] == 0
    second = webhooks.deliver_due(session, keyring, now + dt.timedelta(minutes=1, seconds=1), timeout=3)
    assert second["delivered"] == 1
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 2
    assert delivery.last_status_code == 200 and delivery.last_error is None
    assert len(receiver.requests(url)) == 2


def test_hanging_receiver_times_out_without_holding_up_the_workflow(session, keyring, receiver) -> None:
    dept, clerk = _tax_setup(session)
    hang = receiver.url("hang", "hang")
    fine = receiver.url("fine")
    hung, _ = webhooks.register_webhook(session, keyring, clerk, dept, hang, ["税收"])
    ok, _ = webhooks.register_webhook(session, keyring, clerk, dept, fine, ["税收"])
    started = time.monotonic()
    entry = service.propose(session, keyring, weekends_calendar(), clerk, dept, proposal("tax_a_grade", company(session)))
    service.approve(session, CREDIT_OFFICE, entry, today=DAY)
    assert time.monotonic() - started < HANG_SECONDS
    assert receiver.requests(hang) == [] and receiver.requests(fine) == []
    assert webhooks.enqueue(session) == 4  # proposed + effective, to each receiver
    started = time.monotonic()
    counts = webhooks.deliver_due(session, keyring, utcnow(), timeout=0.3)
    assert time.monotonic() - started < HANG_SECONDS
    # The hung receiver's second event waits for the next run so its events stay in order.
    assert counts == {"due": 4, "delivered": 2, "retrying": 1, "failed": 0, "deferred": 1}
    first, second = _deliveries(session, hung)
    assert first.attempts == 1 and first.last_status_code is None and "超时" in first.last_error
    assert first.status is second.status is DeliveryStatus.PENDING and second.attempts == 0
    assert [d.status for d in _deliveries(session, ok)] == [DeliveryStatus.DELIVERED] * 2


def test_refused_connections_and_broken_senders_are_recorded_then_failed(session, keyring) -> None:
    dept, clerk = _tax_setup(session)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed, _ = webhooks.register_webhook(session, keyring, clerk, dept, f"http://127.0.0.1:{port}/x", ["税收"])
    service.propose(session, keyring, weekends_calendar(), clerk, dept, proposal("tax_a_grade", company(session)))
    webhooks.enqueue(session)
    now = utcnow()
    assert webhooks.deliver_due(session, keyring, now, timeout=1)["retrying"] == 1
    (delivery,) = _deliveries(session, closed)
    assert delivery.last_error.startswith("连接失败") and delivery.last_status_code is None

    def broken(url: str, body: bytes, headers: object, timeout: float) -> int:
        raise RuntimeError("接收方协议错误")

    for wait in webhooks.BACKOFF:
        now += wait
        webhooks.deliver_due(session, keyring, now, client=broken)
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == webhooks.MAX_ATTEMPTS == 6
    assert "接收方协议错误" in delivery.last_error
    assert webhooks.deliver_due(session, keyring, now + dt.timedelta(days=1), client=broken)["due"] == 0


def test_only_the_subscribed_domains_are_queued_once(session, keyring, receiver) -> None:
    tax_dept, tax_clerk = _tax_setup(session)
    food_dept, food_clerk = recogniser(session, "food_drug_serious", name="漳州市市场监督管理局")
    before = company(session, name="漳州市早前贸易有限公司")
    service.propose(session, keyring, weekends_calendar(), tax_clerk, tax_dept, proposal("tax_a_grade", before))
    tax_hook, _ = webhooks.register_webhook(session, keyring, tax_clerk, tax_dept, receiver.url("tax"), ["税收"])
    food_hook, _ = webhooks.register_webhook(session, keyring, food_clerk, food_dept, receiver.url("food"),
                                             ["食品药品", "生态环境"])
    cal = weekends_calendar()
    tax_entry = service.propose(session, keyring, cal, tax_clerk, tax_dept, proposal("tax_a_grade", company(session)))
    food_entry = service.propose(session, keyring, cal, food_clerk, food_dept,
                                 proposal("food_drug_serious", company(session)))
    assert webhooks.enqueue(session) == 2
    assert webhooks.enqueue(session) == 0
    session.execute(delete(SystemValue).where(SystemValue.name == webhooks.CURSOR_NAME))  # a lost cursor
    assert webhooks.enqueue(session) == 0
    changes = webhooks.feed.changes_by_id(session, [d.change_event_id for d in _deliveries(session, tax_hook)])
    assert [c.list_entry.id for c in changes.values()] == [tax_entry.id]  # not the event from before it existed
    changes = webhooks.feed.changes_by_id(session, [d.change_event_id for d in _deliveries(session, food_hook)])
    assert [c.list_entry.id for c in changes.values()] == [food_entry.id]
    # A stopped receiver gets nothing new, and what it had not received is given up.
    webhooks.deactivate_webhook(session, food_clerk, food_hook)
    assert [d.status for d in _deliveries(session, food_hook)] == [DeliveryStatus.FAILED]
    service.propose(session, keyring, cal, food_clerk, food_dept, proposal("food_drug_serious", company(session)))
    assert webhooks.enqueue(session) == 0


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.org/hook", "须以 http:// 或 https:// 开头"),
    ("example.org/hook", "须以 http:// 或 https:// 开头"),
    ("http:///hook", "缺少主机名"),
    ("https://user:pw@example.org/hook", "不能包含用户名或密码"),
    ("http://example.org:99999/hook", "格式错误"),
    ("http://example.org/a b", "空白"),
    ("http://example.org/" + "a" * 490, "不能超过 500 个字符"),
    ("  ", "不能为空"),
])
def test_bad_addresses_are_refused(session, keyring, url, message) -> None:
    dept, clerk = _tax_setup(session)
    with pytest.raises(InvalidWebhook, match=message):
        webhooks.register_webhook(session, keyring, clerk, dept, url, ["税收"])


def test_domains_departments_and_duplicates_are_checked(session, keyring) -> None:
    dept, clerk = _tax_setup(session)
    other = department(session, "漳州市生态环境局")
    url = "https://hooks.example.org/xinyong"
    with pytest.raises(InvalidWebhook, match="未知的重点领域：餐饮"):
        webhooks.register_webhook(session, keyring, clerk, dept, url, ["税收", "餐饮"])
    with pytest.raises(InvalidWebhook, match="至少须订阅一个重点领域"):
        webhooks.register_webhook(session, keyring, clerk, dept, url, [])
    with pytest.raises(NotAllowed, match="只能管理本部门的订阅"):
        webhooks.register_webhook(session, keyring, clerk, other, url, ["税收"])
    with pytest.raises(NotAllowed, match="业务系统"):
        webhooks.register_webhook(session, keyring, clerk_of(dept, Role.BUSINESS_SYSTEM), dept, url, ["税收"])
    hook, _ = webhooks.register_webhook(session, keyring, clerk, dept, url, ["税收", "税收", "统计"])
    assert hook.domains == ["税收", "统计"]
    with pytest.raises(DuplicateWebhook, match=f"编号 {hook.id}"):
        webhooks.register_webhook(session, keyring, CREDIT_OFFICE, dept, url, ["海关"])
    with pytest.raises(NotAllowed):
        webhooks.deactivate_webhook(session, clerk_of(other), hook)
    webhooks.deactivate_webhook(session, clerk, hook)
    again, _ = webhooks.register_webhook(session, keyring, clerk, dept, url, ["海关"])  # after stopping, fine
    assert again.id != hook.id


# ------------------------------------------------------------------ /api/v1/webhooks


def _key(session: Session, role: Role, dept: object = None) -> dict[str, str]:
    _, plain = create_api_key(session, name=f"测试{role.label}", role=role, department=dept, actor="test")
    session.flush()
    return {"X-API-Key": plain}


def test_webhooks_api(client: TestClient, session: Session, keyring, receiver) -> None:
    dept, clerk = _tax_setup(session)
    other = department(session, "漳州市生态环境局")
    webhooks.register_webhook(session, keyring, CREDIT_OFFICE, other, "https://env.example.org/hook", ["生态环境"])
    mine, theirs = _key(session, Role.DEPARTMENT_CLERK, dept), _key(session, Role.DEPARTMENT_CLERK, other)
    url = receiver.url("api")
    assert client.post("/api/v1/webhooks", json={"url": url, "domains": ["税收"]}).status_code == 401
    created = client.post("/api/v1/webhooks", json={"url": url, "domains": ["税收"]}, headers=mine)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["department"] == dept.uscc and body["domains"] == ["税收"] and body["is_active"] is True
    assert len(body["secret"]) >= 32 and "X-Xinyong-Signature" in body["signing"]
    hook = session.get(Webhook, body["id"])
    assert keyring.decrypt(hook.secret_cipher, webhooks.SECRET_PURPOSE) == body["secret"]

    bad = client.post("/api/v1/webhooks", json={"url": "ftp://x.org", "domains": ["税收"]}, headers=mine)
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_webhook" and "http://" in bad.json()["detail"]
    unknown = client.post("/api/v1/webhooks", json={"url": url + "2", "domains": ["餐饮"]}, headers=mine)
    assert unknown.status_code == 422 and "未知的重点领域" in unknown.json()["detail"]
    foreign = client.post("/api/v1/webhooks", json={"department": other.uscc, "url": url, "domains": ["税收"]},
                          headers=mine)
    assert foreign.status_code == 403 and foreign.json()["error"] == "not_allowed"
    system = client.get("/api/v1/webhooks", headers=_key(session, Role.BUSINESS_SYSTEM))
    assert system.status_code == 403

    listed = client.get("/api/v1/webhooks", headers=mine).json()
    assert [h["id"] for h in listed] == [body["id"]] and "secret" not in listed[0]
    user = create_user(session, username="xyb-admin", display_name="信用办", password="xinyong-test-2026",
                       role=Role.CREDIT_OFFICE_ADMIN, department=None, actor="test")
    _, token = start_login_session(session, user, 1)
    session.flush()
    client.cookies.set(SESSION_COOKIE, token)
    everyone = client.get("/api/v1/webhooks").json()
    client.cookies.clear()
    assert {h["department"] for h in everyone} >= {dept.uscc, other.uscc}

    service.propose(session, keyring, weekends_calendar(), clerk, dept, proposal("tax_a_grade", company(session)))
    webhooks.process(session, keyring, utcnow(), timeout=3)
    deliveries = client.get(f"/api/v1/webhooks/{body['id']}/deliveries", headers=mine)
    assert deliveries.status_code == 200, deliveries.text
    (item,) = deliveries.json()
    assert (item["kind"], item["status"], item["status_label"], item["attempts"]) == (
        "list.proposed", "delivered", "已投递", 1)
    assert client.get(f"/api/v1/webhooks/{body['id']}/deliveries", params={"status": "failed"},
                      headers=mine).json() == []
    assert client.get(f"/api/v1/webhooks/{body['id']}/deliveries", headers=theirs).status_code == 403
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=theirs).status_code == 403
    missing = client.delete("/api/v1/webhooks/999999999", headers=mine)
    assert missing.status_code == 404 and missing.json()["error"] == "webhook_not_found"
    stopped = client.delete(f"/api/v1/webhooks/{body['id']}", headers=mine)
    assert stopped.status_code == 200 and stopped.json()["is_active"] is False
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}", "/api/v1/webhooks/{webhook_id}/deliveries"} <= set(paths)


# ------------------------------------------------------------------ xinyong webhooks


@pytest.fixture(scope="module")
def fresh_cli(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """The records CLI fixture: a brand-new database set up by `db upgrade` and `departments add`."""
    yield from test_cli.cli.__wrapped__(backend, tmp_path_factory)


def test_cli_adds_lists_delivers_and_disables(fresh_cli: Cli, receiver: Receiver) -> None:
    url = receiver.url("cli")
    refused = fresh_cli.run("webhooks", "add", fresh_cli.dept.uscc, url, "--domain", "餐饮")
    assert refused.code == 1 and "未知的重点领域：餐饮" in refused.err and "Traceback" not in refused.err
    added = fresh_cli.run("webhooks", "add", fresh_cli.dept.uscc, url, "--domain", "税收", "--domain", "统计")
    assert added.code == 0, added.out + added.err
    assert "之后无法再次查看" in added.out
    secret = added.out.strip().splitlines()[-1].strip()
    listed = fresh_cli.run("webhooks", "list")
    assert listed.code == 0 and url in listed.out and "税收、统计" in listed.out and secret not in listed.out
    with fresh_cli.session() as s:
        keyring = read_keyring(Path(fresh_cli.env["XINYONG_KEY_FILE"]), None)
        dept = s.scalar(select(Department).where(Department.uscc == fresh_cli.dept.uscc))
        service.grant(s, service.get_list_type(s, "tax_a_grade"), dept, actor="test")
        service.propose(s, keyring, weekends_calendar(), clerk_of(dept), dept, proposal("tax_a_grade", company(s)))
        s.commit()
    delivered = fresh_cli.run("webhooks", "deliver", "--timeout", "3")
    assert delivered.code == 0, delivered.out + delivered.err
    assert "新排队 1 条" in delivered.out and "送达 1" in delivered.out
    ((headers, body),) = receiver.requests(url)
    assert headers["x-xinyong-signature"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    again = fresh_cli.run("webhooks", "deliver")
    assert again.code == 0 and "新排队 0 条" in again.out
    with fresh_cli.session() as s:
        hook_id = s.scalar(select(Webhook.id).where(Webhook.url == url))
    assert fresh_cli.run("webhooks", "disable", str(hook_id)).code == 0
    assert "已停用" in fresh_cli.run("webhooks", "list").out
    missing = fresh_cli.run("webhooks", "disable", "999999")
    assert missing.code == 1 and "不存在" in missing.err
