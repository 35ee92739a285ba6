"""Catalogue data as the API shows it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from xinyong.catalog.models import RecordType


class FieldOut(BaseModel):
    """One field of a record type."""

    code: str = Field(description="国家标准字段代码")
    label: str = Field(description="中文名称")
    type: str
    required: bool
    max_length: int | None
    personal: bool
    enum: list[str] | None


class RecordTypeOut(BaseModel):
    """One catalogue entry."""

    code: str
    name: str
    version: str
    openness: str = Field(description="公开 / 有条件共享 / 不公开")
    adverse: bool = Field(description="是否失信信息")
    fields: list[FieldOut]

    @classmethod
    def of(cls, rt: RecordType) -> RecordTypeOut:
        """Build from the ORM row."""
        return cls(
            code=rt.code, name=rt.name, version=rt.version, openness=rt.openness, adverse=rt.adverse,
            fields=[FieldOut(code=f.code, label=f.label, type=f.field_type, required=f.required,
                             max_length=f.max_length, personal=f.personal, enum=f.enum_values) for f in rt.fields],
        )
