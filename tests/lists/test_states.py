"""Status tables of list entries and webhook deliveries: every pair via check(), and real moves via the service."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import company
from tests.lists.builders import CREDIT_OFFICE, DAY, proposal, recogniser
from tests.records.builders import weekends_calendar
from xinyong.accounts.service import Principal
from xinyong.audit.models import AuditEvent, StateTransition
from xinyong.crypto import Keyring
from xinyong.errors import IllegalTransition
from xinyong.lists import exits, service
from xinyong.lists.definitions import ExitReason
from xinyong.lists.events import LIST_TOPIC
from xinyong.lists.models import ListEntry
from xinyong.lists.states import (
    DELIVERY_TRANSITIONS,
    ENTRY_TRANSITIONS,
    DeliveryStatus,
    EntryStatus,
    delivery_machine,
    entry_machine,
)
from xinyong.records.models import ChangeEvent

E = EntryStatus
D = DeliveryStatus
CAL = weekends_calendar()
AFTER_WINDOW = dt.date(2026, 6, 9)  # notice delivered on DAY (Mon 1 June): window ends Mon 8 June
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Written out by hand so that a change to the tables has to be made here too, on purpose.
ENTRY_ALLOWED = {
    (E.PROPOSED, E.NOTIFIED), (E.PROPOSED, E.EFFECTIVE), (E.PROPOSED, E.WITHDRAWN),
    (E.NOTIFIED, E.EFFECTIVE), (E.NOTIFIED, E.WITHDRAWN),
    (E.EFFECTIVE, E.SUSPENDED), (E.EFFECTIVE, E.EXITED),
    (E.SUSPENDED, E.EFFECTIVE), (E.SUSPENDED, E.EXITED),
}
DELIVERY_ALLOWED = {(D.PENDING, D.DELIVERED), (D.PENDING, D.FAILED), (D.FAILED, D.PENDING)}
ENTRY_PAIRS = list(itertools.product(EntryStatus, repeat=2))
DELIVERY_PAIRS = list(itertools.product(DeliveryStatus, repeat=2))


def pair_id(pair: tuple[object, object]) -> str:
    """Readable test id of a (from, to) pair."""
    return f"{pair[0]}->{pair[1]}"


# ------------------------------------------------------------------ the tables themselves


def test_entry_table_is_exactly_the_expected_one():
    assert {(a, b) for a, targets in ENTRY_TRANSITIONS.items() for b in targets} == ENTRY_ALLOWED
    assert set(ENTRY_TRANSITIONS) == set(EntryStatus)
    assert set(entry_machine.states()) == set(EntryStatus)
    assert ENTRY_TRANSITIONS[E.EXITED] == set() and ENTRY_TRANSITIONS[E.WITHDRAWN] == set()


def test_delivery_table_is_exactly_the_expected_one():
    assert {(a, b) for a, targets in DELIVERY_TRANSITIONS.items() for b in targets} == DELIVERY_ALLOWED
    assert set(DELIVERY_TRANSITIONS) == set(DeliveryStatus)
    assert set(delivery_machine.states()) == set(DeliveryStatus)


@pytest.mark.parametrize("machine, states", [(entry_machine, EntryStatus), (delivery_machine, DeliveryStatus)],
                         ids=["entry", "delivery"])
def test_every_state_has_a_chinese_label(machine, states):
    for state in states:
        assert CHINESE.search(machine.label(state)), state


@pytest.mark.parametrize("pair", sorted(ENTRY_ALLOWED), ids=pair_id)
def test_entry_allowed_pair_passes_check(pair):
    assert entry_machine.can(*pair)
    entry_machine.check(*pair)  # must not raise


@pytest.mark.parametrize("pair", [p for p in ENTRY_PAIRS if p not in ENTRY_ALLOWED], ids=pair_id)
def test_entry_forbidden_pair_is_refused_in_chinese(pair):
    assert not entry_machine.can(*pair)
    with pytest.raises(IllegalTransition) as caught:
        entry_machine.check(*pair)
    message = caught.value.message
    assert message.startswith("不允许的状态变更")
    assert f"{entry_machine.label(pair[0])} → {entry_machine.label(pair[1])}" in message
    assert caught.value.status == 409 and caught.value.code == "illegal_transition"


@pytest.mark.parametrize("pair", sorted(DELIVERY_ALLOWED), ids=pair_id)
def test_delivery_allowed_pair_passes_check(pair):
    assert delivery_machine.can(*pair)
    delivery_machine.check(*pair)  # must not raise


@pytest.mark.parametrize("pair", [p for p in DELIVERY_PAIRS if p not in DELIVERY_ALLOWED], ids=pair_id)
def test_delivery_forbidden_pair_is_refused_in_chinese(pair):
    assert not delivery_machine.can(*pair)
    with pytest.raises(IllegalTransition) as caught:
        delivery_machine.check(*pair)
    message = caught.value.message
    assert message.startswith("不允许的状态变更")
    assert f"{delivery_machine.label(pair[0])} → {delivery_machine.label(pair[1])}" in message


# ------------------------------------------------------------------ moves through the real service


def trail(session: Session, entry: ListEntry) -> tuple[list[tuple[str, str]], list[str], list[tuple[str, str]]]:
    """History (from, to), audit actions and (topic, kind) feed events of one entry, oldest first."""
    session.flush()
    history = [(t.from_state, t.to_state) for t in session.scalars(
        select(StateTransition).where(StateTransition.entity_type == "list_entry",
                                      StateTransition.entity_id == str(entry.id)).order_by(StateTransition.id))]
    audit = list(session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "list_entry", AuditEvent.entity_id == str(entry.id)).order_by(AuditEvent.id)))
    feed = [(e.topic, str(e.kind)) for e in session.scalars(
        select(ChangeEvent).where(ChangeEvent.list_entry_id == entry.id).order_by(ChangeEvent.id))]
    return history, audit, feed


def assert_moved(session: Session, entry: ListEntry, to: EntryStatus, action: Callable[[], object]) -> None:
    """Run a service call and check it moved the entry once, with one history row, audit event and feed event."""
    before = trail(session, entry)
    start = entry.status
    action()
    assert entry.status is to
    history, audit, feed = trail(session, entry)
    assert history[len(before[0]):] == [(str(start), str(to))]
    assert audit[len(before[1]):] == [f"list_entry.{to}"]
    assert feed[len(before[2]):] == [(LIST_TOPIC, f"list.{to}")]
    row = session.scalars(select(StateTransition).where(StateTransition.entity_type == "list_entry",
                                                        StateTransition.entity_id == str(entry.id))
                          .order_by(StateTransition.id.desc())).first()
    assert row.actor and row.reason


def assert_refused(session: Session, entry: ListEntry, action: Callable[[], object]) -> IllegalTransition:
    """Run a service call that must be refused as an illegal move, leaving status and trail as they were."""
    before, status = trail(session, entry), entry.status
    with pytest.raises(IllegalTransition) as caught:
        action()
    assert entry.status is status
    assert trail(session, entry) == before
    assert CHINESE.search(caught.value.message)
    return caught.value


def company_entry(session: Session, keyring: Keyring, code: str = "market_serious_violation",
                  facts: str = "经查，该主体存在严重违法失信行为。") -> tuple[ListEntry, Principal]:
    """A proposed entry of a company and the clerk of its recognising department."""
    dept, clerk = recogniser(session, code)
    entry = service.propose(session, keyring, CAL, clerk, dept, proposal(code, company(session), facts=facts))
    return entry, clerk


def effective_entry(session: Session, keyring: Keyring) -> tuple[ListEntry, Principal]:
    """A black entry brought to effect by notice and approval after the objection window."""
    entry, clerk = company_entry(session, keyring)
    service.record_notice(session, CAL, clerk, entry, notice_text="拟列入告知书", delivered_on=DAY)
    service.approve(session, CREDIT_OFFICE, entry, today=AFTER_WINDOW)
    return entry, clerk


def test_proposal_writes_the_first_history_row_audit_and_feed(session, keyring):
    entry, _ = company_entry(session, keyring)
    assert entry.status is E.PROPOSED
    assert trail(session, entry) == ([("", "proposed")], ["list_entry.proposed"], [(LIST_TOPIC, "list.proposed")])


def test_full_life_proposed_notified_effective_suspended_effective_suspended_exited(session, keyring):
    entry, clerk = company_entry(session, keyring)
    assert_moved(session, entry, E.NOTIFIED, lambda: service.record_notice(
        session, CAL, clerk, entry, notice_text="拟列入告知书", delivered_on=DAY))
    assert_moved(session, entry, E.EFFECTIVE, lambda: service.approve(session, CREDIT_OFFICE, entry,
                                                                      today=AFTER_WINDOW))
    assert_moved(session, entry, E.SUSPENDED, lambda: exits.suspend(session, clerk, entry, reason="异议核查中"))
    assert_moved(session, entry, E.EFFECTIVE, lambda: exits.reinstate(session, clerk, entry, reason="异议不成立"))
    assert_moved(session, entry, E.SUSPENDED, lambda: exits.suspend(session, CREDIT_OFFICE, entry, reason="再次异议"))
    assert_moved(session, entry, E.EXITED, lambda: exits.exit_by(session, clerk, entry, ExitReason.CORRECTED,
                                                                 note="异议成立，予以更正"))
    history, _, feed = trail(session, entry)
    assert [h[1] for h in history] == ["proposed", "notified", "effective", "suspended", "effective", "suspended",
                                       "exited"]
    assert all(topic == LIST_TOPIC for topic, _ in feed)


def test_proposed_goes_effective_directly_where_no_notice_is_required(session, keyring):
    entry, _ = company_entry(session, keyring, code="tax_a_grade", facts="2025年度纳税信用评价为A级")
    assert_moved(session, entry, E.EFFECTIVE, lambda: service.approve(session, CREDIT_OFFICE, entry, today=DAY))


def test_effective_entry_exits_directly(session, keyring):
    entry, clerk = effective_entry(session, keyring)
    assert_moved(session, entry, E.EXITED, lambda: exits.exit_by(session, clerk, entry, ExitReason.REPAIRED))


@pytest.mark.parametrize("notified", [False, True], ids=["proposed", "notified"])
def test_open_proposal_can_be_withdrawn(session, keyring, notified):
    entry, clerk = company_entry(session, keyring)
    if notified:
        service.record_notice(session, CAL, clerk, entry, notice_text="告知", delivered_on=DAY)
    assert_moved(session, entry, E.WITHDRAWN, lambda: service.withdraw(session, clerk, entry, reason="事实有误"))


def test_approve_on_an_exited_entry_is_refused(session, keyring):
    entry, clerk = effective_entry(session, keyring)
    exits.exit_by(session, clerk, entry, ExitReason.MISTAKE)
    effective_at = entry.effective_at
    error = assert_refused(session, entry, lambda: service.approve(session, CREDIT_OFFICE, entry, today=AFTER_WINDOW))
    assert "已退出 → 有效" in error.message
    assert entry.effective_at == effective_at


def test_approve_on_a_withdrawn_entry_is_refused(session, keyring):
    entry, clerk = company_entry(session, keyring, code="tax_a_grade", facts="A级")
    service.withdraw(session, clerk, entry, reason="撤回")
    assert_refused(session, entry, lambda: service.approve(session, CREDIT_OFFICE, entry, today=DAY))
    assert entry.effective_at is None


def test_approve_twice_is_refused(session, keyring):
    entry, _ = effective_entry(session, keyring)
    error = assert_refused(session, entry, lambda: service.approve(session, CREDIT_OFFICE, entry,
                                                                   today=AFTER_WINDOW))
    assert "有效 → 有效" in error.message


def test_notice_on_an_effective_entry_is_refused_and_changes_nothing(session, keyring):
    entry, clerk = effective_entry(session, keyring)
    kept = (entry.notice_text, entry.notice_delivered_on, entry.objection_until)
    error = assert_refused(session, entry, lambda: service.record_notice(
        session, CAL, clerk, entry, notice_text="第二份告知书", delivered_on=dt.date(2026, 7, 1)))
    assert "有效 → 已告知（异议期）" in error.message
    assert (entry.notice_text, entry.notice_delivered_on, entry.objection_until) == kept


def test_second_notice_on_a_notified_entry_is_refused(session, keyring):
    entry, clerk = company_entry(session, keyring)
    service.record_notice(session, CAL, clerk, entry, notice_text="告知", delivered_on=DAY)
    assert_refused(session, entry, lambda: service.record_notice(session, CAL, clerk, entry, notice_text="再告知",
                                                                 delivered_on=DAY + dt.timedelta(days=1)))
    assert entry.notice_delivered_on == DAY


def test_suspend_a_proposed_entry_is_refused(session, keyring):
    entry, clerk = company_entry(session, keyring)
    error = assert_refused(session, entry, lambda: exits.suspend(session, clerk, entry, reason="异议"))
    assert "拟列入 → 异议核查中（暂停）" in error.message


def test_reinstate_an_effective_entry_is_refused(session, keyring):
    entry, clerk = effective_entry(session, keyring)
    error = assert_refused(session, entry, lambda: exits.reinstate(session, clerk, entry, reason="恢复"))
    assert "有效 → 有效" in error.message


def test_withdraw_an_effective_entry_is_refused(session, keyring):
    entry, clerk = effective_entry(session, keyring)
    assert_refused(session, entry, lambda: service.withdraw(session, clerk, entry, reason="撤回"))


def test_exit_a_proposed_entry_is_refused(session, keyring):
    entry, clerk = company_entry(session, keyring)
    assert_refused(session, entry, lambda: exits.exit_by(session, clerk, entry, ExitReason.MISTAKE))
    assert entry.exit_reason is None and entry.exited_at is None


def test_exit_an_exited_entry_is_refused_and_keeps_the_first_reason(session, keyring):
    entry, clerk = effective_entry(session, keyring)
    exits.exit_by(session, clerk, entry, ExitReason.REPAIRED, note="已履行")
    kept = (entry.exit_reason, entry.exit_note, entry.exited_at)
    assert_refused(session, entry, lambda: exits.exit_by(session, clerk, entry, ExitReason.MISTAKE, note="误列入"))
    assert (entry.exit_reason, entry.exit_note, entry.exited_at) == kept


def test_nothing_leaves_withdrawn(session, keyring):
    entry, clerk = company_entry(session, keyring)
    service.withdraw(session, clerk, entry, reason="撤回")
    assert_refused(session, entry, lambda: service.record_notice(session, CAL, clerk, entry, notice_text="告知",
                                                                 delivered_on=DAY))
    assert_refused(session, entry, lambda: exits.suspend(session, clerk, entry, reason="异议"))
    assert_refused(session, entry, lambda: service.withdraw(session, clerk, entry, reason="再撤回"))
