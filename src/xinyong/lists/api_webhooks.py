"""Webhooks API: departments subscribe to list changes of their key domains (F14)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from xinyong.departments.models import Department
from xinyong.departments.service import get_department
from xinyong.lists import webhooks
from xinyong.lists.errors import InvalidWebhook
from xinyong.lists.models import Webhook, WebhookDelivery
from xinyong.lists.states import DeliveryStatus, delivery_machine
from xinyong.web import AppKeyring, Caller, DbSession

router = APIRouter(tags=["名单变更订阅（Webhook）"])

SIGNING = ("每次投递以 POST 发送 JSON，请求头 X-Xinyong-Event 为事件类型，X-Xinyong-Delivery 为投递编号，"
           "X-Xinyong-Signature 为 sha256= 加上以密钥对原始请求体计算的 HMAC-SHA256（十六进制）。"
           "接收方返回 2xx 即视为送达，否则按 1 分钟、5 分钟、30 分钟、2 小时、12 小时重试，之后标记失败。")


class WebhookIn(BaseModel):
    """A receiver to register."""

    model_config = ConfigDict(extra="forbid")

    department: str | None = Field(None, max_length=40, description="部门统一社会信用代码（部门经办人可省略，默认本部门）")
    url: str = Field(max_length=2000, description="接收地址（http:// 或 https://，不超过500字符）")
    domains: list[str] = Field(max_length=50, description="订阅的重点领域，如 食品药品、税收")


class WebhookOut(BaseModel):
    """A registered receiver (never its secret)."""

    id: int
    department: str = Field(description="部门统一社会信用代码")
    department_name: str
    url: str
    domains: list[str]
    is_active: bool
    created_at: dt.datetime
    created_by: str


class WebhookCreated(WebhookOut):
    """A new receiver with its signing secret, returned this once only."""

    secret: str = Field(description="签名密钥，仅此一次返回，请妥善保存")
    signing: str = Field(SIGNING, description="签名与重试说明")


class DeliveryOut(BaseModel):
    """One delivery of one change event."""

    id: int
    change_event_id: int = Field(description="变更订阅中的游标（事件编号）")
    kind: str = Field(description="事件类型，如 list.effective")
    status: str = Field(description="pending 待投递 / delivered 已投递 / failed 投递失败")
    status_label: str
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="下次尝试时间（待投递时）")
    last_status_code: int | None
    last_error: str | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime


def _out(hook: Webhook, dept: Department) -> WebhookOut:
    return WebhookOut(id=hook.id, department=dept.uscc, department_name=dept.name, url=hook.url,
                      domains=list(hook.domains), is_active=hook.is_active, created_at=hook.created_at,
                      created_by=hook.created_by)


def _delivery_out(delivery: WebhookDelivery, kind: str) -> DeliveryOut:
    pending = delivery.status is DeliveryStatus.PENDING
    return DeliveryOut(
        id=delivery.id, change_event_id=delivery.change_event_id, kind=kind, status=str(delivery.status),
        status_label=delivery_machine.label(delivery.status), attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at if pending else None, last_status_code=delivery.last_status_code,
        last_error=delivery.last_error, delivered_at=delivery.delivered_at, created_at=delivery.created_at,
    )


@router.post("/webhooks", response_model=WebhookCreated, status_code=201, summary="登记名单变更订阅")
def register(body: WebhookIn, session: DbSession, keyring: AppKeyring, caller: Caller) -> WebhookCreated:
    """Register a receiver for list changes in the given domains; the signing secret is returned only now."""
    if body.department:
        department = get_department(session, body.department)
    elif caller.department_id is not None:
        department = session.get(Department, caller.department_id)
    else:
        raise InvalidWebhook("须指定部门统一社会信用代码（department）")
    hook, secret = webhooks.register_webhook(session, keyring, caller, department, body.url, body.domains)
    return WebhookCreated(**_out(hook, department).model_dump(), secret=secret)


@router.get("/webhooks", response_model=list[WebhookOut], summary="订阅列表")
def list_webhooks(session: DbSession, caller: Caller) -> list[WebhookOut]:
    """Your department's receivers; every department's for the credit office."""
    return [_out(hook, dept) for hook, dept in webhooks.webhooks_visible_to(session, caller)]


@router.delete("/webhooks/{webhook_id}", response_model=WebhookOut, summary="停用订阅")
def deactivate(session: DbSession, caller: Caller,
               webhook_id: Annotated[int, Path(ge=1, description="订阅编号")]) -> WebhookOut:
    """Stop a receiver; its undelivered events are marked failed. Stopping twice is harmless."""
    hook = webhooks.get_webhook(session, webhook_id)
    webhooks.deactivate_webhook(session, caller, hook)
    return _out(hook, session.get(Department, hook.department_id))


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut], summary="投递记录")
def list_deliveries(
    session: DbSession, caller: Caller,
    webhook_id: Annotated[int, Path(ge=1, description="订阅编号")],
    status: Annotated[DeliveryStatus | None, Query(description="只看某一状态：pending / delivered / failed")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="最多返回条数（最新的在前）")] = 100,
) -> list[DeliveryOut]:
    """A receiver's deliveries, newest first, with attempts and the last error."""
    hook = webhooks.get_webhook(session, webhook_id)
    webhooks.require_manager(caller, hook.department_id)
    return [_delivery_out(d, kind) for d, kind in webhooks.deliveries_of(session, hook, status=status, limit=limit)]
