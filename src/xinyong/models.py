"""Import every ORM model so the metadata (and Alembic) sees all tables."""

from __future__ import annotations

from xinyong.accounts.models import ApiKey, LoginSession, User
from xinyong.attachments.models import Attachment
from xinyong.audit.models import AuditEvent, StateTransition
from xinyong.catalog.models import CatalogField, RecordType
from xinyong.db import Base
from xinyong.departments.models import Department
from xinyong.lists.models import (
    ListAnnouncement,
    ListEntry,
    ListType,
    ListTypeDepartment,
    Webhook,
    WebhookDelivery,
)
from xinyong.measures.models import CheckFeedback, CreditCheck, Measure
from xinyong.objections.models import Objection, ObjectionNotice
from xinyong.records.models import ChangeEvent, CreditRecord, ImportBatch, ImportRowError, SubjectNameReview
from xinyong.repairs.models import RepairApplication, RepairNotice
from xinyong.reports.models import CreditReport
from xinyong.queries.models import OneTimeCode, PersonContact, QueryLog
from xinyong.subjects.models import OccupationalGroup, Subject, SubjectOccupation
from xinyong.subjects.search_models import SubjectSearchTerm
from xinyong.system.models import SystemValue

__all__ = [
    "ApiKey",
    "Attachment",
    "AuditEvent",
    "Base",
    "CatalogField",
    "ChangeEvent",
    "CheckFeedback",
    "CreditCheck",
    "CreditRecord",
    "CreditReport",
    "Department",
    "ImportBatch",
    "ImportRowError",
    "ListAnnouncement",
    "ListEntry",
    "ListType",
    "ListTypeDepartment",
    "LoginSession",
    "Measure",
    "Objection",
    "ObjectionNotice",
    "OccupationalGroup",
    "OneTimeCode",
    "PersonContact",
    "QueryLog",
    "RecordType",
    "RepairApplication",
    "RepairNotice",
    "StateTransition",
    "Subject",
    "SubjectNameReview",
    "SubjectOccupation",
    "SubjectSearchTerm",
    "SystemValue",
    "User",
    "Webhook",
    "WebhookDelivery",
]
