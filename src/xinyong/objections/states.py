"""Status of an objection (异议) and its transition table (F7; seed 002 三(五)7)."""

from __future__ import annotations

from enum import StrEnum

from xinyong.statemachine import StateMachine


class ObjectionStatus(StrEnum):
    """submitted → accepted / not accepted → verifying → upheld / rejected."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    VERIFYING = "verifying"
    UPHELD = "upheld"
    REJECTED = "rejected"


OBJECTION_TRANSITIONS: dict[ObjectionStatus, set[ObjectionStatus]] = {
    ObjectionStatus.SUBMITTED: {ObjectionStatus.ACCEPTED, ObjectionStatus.NOT_ACCEPTED},
    ObjectionStatus.ACCEPTED: {ObjectionStatus.VERIFYING},
    ObjectionStatus.VERIFYING: {ObjectionStatus.UPHELD, ObjectionStatus.REJECTED},
    ObjectionStatus.NOT_ACCEPTED: set(),
    ObjectionStatus.UPHELD: set(),
    ObjectionStatus.REJECTED: set(),
}
OBJECTION_LABELS = {
    ObjectionStatus.SUBMITTED: "已提交，待受理", ObjectionStatus.ACCEPTED: "已受理",
    ObjectionStatus.NOT_ACCEPTED: "不予受理", ObjectionStatus.VERIFYING: "核查中",
    ObjectionStatus.UPHELD: "异议成立，已处理", ObjectionStatus.REJECTED: "异议不成立",
}
OPEN_STATUSES = (ObjectionStatus.SUBMITTED, ObjectionStatus.ACCEPTED, ObjectionStatus.VERIFYING)
CLOSED_STATUSES = (ObjectionStatus.NOT_ACCEPTED, ObjectionStatus.UPHELD, ObjectionStatus.REJECTED)

objection_machine = StateMachine("objection", OBJECTION_TRANSITIONS, OBJECTION_LABELS)


class TargetKind(StrEnum):
    """What the objection is about."""

    RECORD = "record"
    LIST_ENTRY = "list_entry"


class ApplicantKind(StrEnum):
    """Who raises it: the subject itself, an agent, or a department applying measures (seed 002 三(五)7)."""

    SUBJECT = "subject"
    AGENT = "agent"
    DEPARTMENT = "department"


APPLICANT_LABELS = {ApplicantKind.SUBJECT: "信用主体本人", ApplicantKind.AGENT: "代理人",
                    ApplicantKind.DEPARTMENT: "执行联合奖惩的部门"}


class Remedy(StrEnum):
    """What an upheld objection does to its target."""

    CORRECT = "correct"
    REVOKE = "revoke"
    EXIT_CORRECTED = "exit_corrected"
    EXIT_MISTAKE = "exit_mistake"


REMEDY_LABELS = {Remedy.CORRECT: "更正信用记录（形成新版本）", Remedy.REVOKE: "撤销信用记录",
                 Remedy.EXIT_CORRECTED: "移出名单（异议核实更正）", Remedy.EXIT_MISTAKE: "移出名单（误列入）"}
REMEDIES_FOR = {TargetKind.RECORD: (Remedy.CORRECT, Remedy.REVOKE),
                TargetKind.LIST_ENTRY: (Remedy.EXIT_CORRECTED, Remedy.EXIT_MISTAKE)}


class NoticeKind(StrEnum):
    """Documents issued to the applicant."""

    ACCEPTANCE = "acceptance"
    NON_ACCEPTANCE = "non_acceptance"
    DECISION = "decision"


NOTICE_TITLES = {NoticeKind.ACCEPTANCE: "异议受理通知书", NoticeKind.NON_ACCEPTANCE: "异议不予受理通知书",
                 NoticeKind.DECISION: "异议处理决定书"}
NOTICE_PREFIXES = {NoticeKind.ACCEPTANCE: "异受", NoticeKind.NON_ACCEPTANCE: "异不受", NoticeKind.DECISION: "异决"}
