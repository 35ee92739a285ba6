"""Which catalogue fields identify the subject and the record, derived from the national naming pattern."""

from __future__ import annotations

from dataclasses import dataclass

from xinyong.catalog.definitions import FieldType, RecordTypeDefinition
from xinyong.errors import ConfigurationError

SUBJECT_CATEGORIES = {"法人及非法人组织", "自然人", "个体工商户", "政府机构"}


@dataclass(frozen=True)
class FieldRoles:
    """Field codes by role; the record's own number is the natural-key fields outside the subject."""

    category: str
    name: str
    uscc: str | None
    document_type: str | None
    document_number: str | None
    record_number: tuple[str, ...]
    decision_date: str
    personal: tuple[str, ...]
    source_department: str | None


def _roles(definition: RecordTypeDefinition) -> FieldRoles:
    # The standards name subject fields <prefix>_LB/_MC/_SHXYM/_ZJLX/_ZJHM (CF_XDR_, SX_BZXR_, ZW_ZT_ ...).
    category = next(
        (f for f in definition.fields
         if f.type is FieldType.ENUM and f.code.endswith("_LB") and set(f.enum) <= SUBJECT_CATEGORIES),
        None,
    )
    if category is None:
        raise ConfigurationError(f"目录类型 {definition.code} 没有主体类别字段（…_LB），无法归集")
    prefix = category.code[:-3]
    fields = definition.field_map

    def role(suffix: str) -> str | None:
        return f"{prefix}{suffix}" if f"{prefix}{suffix}" in fields else None

    name = role("_MC")
    if name is None:
        raise ConfigurationError(f"目录类型 {definition.code} 没有主体名称字段 {prefix}_MC")
    subject_fields = {c for c in (category.code, name, role("_SHXYM"), role("_ZJLX"), role("_ZJHM")) if c}
    record_number = tuple(c for c in definition.natural_key if c not in subject_fields)
    if not record_number:
        raise ConfigurationError(f"目录类型 {definition.code} 的 natural_key 缺少文书号等记录自身的字段")
    return FieldRoles(
        category=category.code, name=name, uscc=role("_SHXYM"), document_type=role("_ZJLX"),
        document_number=role("_ZJHM"), record_number=record_number,
        decision_date=definition.decision_date_field, personal=definition.personal_fields,
        source_department=next(
            (f.code for f in definition.fields if f.type is FieldType.USCC and f.code.endswith(("SJLYDM", "LYDWDM"))),
            None,
        ),
    )


_cache: dict[tuple[str, str], FieldRoles] = {}


def roles_for(definition: RecordTypeDefinition) -> FieldRoles:
    """Roles of a definition, cached by code and version."""
    key = (definition.code, definition.version)
    if key not in _cache:
        _cache[key] = _roles(definition)
    return _cache[key]
