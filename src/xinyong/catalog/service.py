"""Loading catalogue definitions into the database (F2)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from xinyong.audit.service import record_event
from xinyong.catalog import repository
from xinyong.catalog.definitions import (
    RecordTypeDefinition,
    check_unique,
    load_builtin_definitions,
    parse_definition_file,
)
from xinyong.catalog.errors import RecordTypeExists, RecordTypeNotFound
from xinyong.catalog.models import CatalogField, RecordType


def _apply(session: Session, record_type: RecordType, definition: RecordTypeDefinition, source: str) -> None:
    if record_type.id is not None:
        # Old field rows must be gone before new ones with the same codes are inserted.
        record_type.fields.clear()
        session.flush()
    record_type.name = definition.name
    record_type.version = definition.version
    record_type.category = definition.category or ""
    record_type.openness = str(definition.openness)
    record_type.adverse = definition.adverse
    record_type.source = source[:300]
    record_type.definition = definition.model_dump(mode="json", by_alias=True)
    record_type.fields = [
        CatalogField(
            position=i, code=f.code, label=f.label, field_type=str(f.type), required=f.required,
            max_length=f.max_length, personal=f.personal, enum_values=list(f.enum) if f.enum else None,
        )
        for i, f in enumerate(definition.fields)
    ]


def upsert_definitions(session: Session, definitions: Sequence[RecordTypeDefinition], *, source: str,
                       replace: bool, actor: str) -> list[str]:
    """Store definitions; existing codes are refused unless replace is set. Returns codes changed."""
    check_unique(definitions)
    changed = []
    for definition in definitions:
        existing = repository.get_by_code(session, definition.code)
        if existing is not None and not replace:
            where = f"{definition.source} 第{definition.code_line}行" if definition.code_line else definition.source
            raise RecordTypeExists(
                f"目录编码 {definition.code}({where})已存在：{existing.name}，来源 {existing.source};"
                "如需替换请使用 --replace"
            )
        if existing is not None and existing.definition == definition.model_dump(mode="json", by_alias=True):
            continue
        record_type = existing or RecordType(code=definition.code)
        _apply(session, record_type, definition, source)
        session.add(record_type)
        changed.append(definition.code)
    session.flush()
    for code in changed:
        record_event(session, actor=actor, action="catalog.loaded", entity_type="record_type",
                     entity_id=code, detail={"source": source})
    return changed


BUILTIN_SOURCE = "内置目录"


def sync_builtin(session: Session, *, actor: str = "system") -> list[str]:
    """Load or refresh shipped types; a type the credit office replaced from its own file is left alone."""
    mine = [
        d for d in load_builtin_definitions()
        if (existing := repository.get_by_code(session, d.code)) is None or existing.source == BUILTIN_SOURCE
    ]
    return upsert_definitions(session, mine, source=BUILTIN_SOURCE, replace=True, actor=actor)


def load_file(session: Session, path: Path, *, replace: bool, actor: str) -> list[str]:
    """Load one definition file given by the credit office."""
    definition = parse_definition_file(path)
    return upsert_definitions(session, [definition], source=str(path.name), replace=replace, actor=actor)


def get_record_type(session: Session, code: str) -> RecordType:
    """Record type by code, or RecordTypeNotFound."""
    record_type = repository.get_by_code(session, code)
    if record_type is None:
        raise RecordTypeNotFound(f"信用信息目录中没有编码为 {code} 的类型")
    return record_type
