"""Catalogue API: what record types exist and what their fields are."""

from __future__ import annotations

from fastapi import APIRouter

from xinyong.catalog import repository, service
from xinyong.catalog.schemas import RecordTypeOut
from xinyong.web import DbSession

router = APIRouter(tags=["信用信息目录"])


@router.get("/catalog", response_model=list[RecordTypeOut], summary="目录列表")
def list_catalog(session: DbSession) -> list[RecordTypeOut]:
    """Every record type with its fields."""
    return [RecordTypeOut.of(rt) for rt in repository.list_all(session)]


@router.get("/catalog/{code}", response_model=RecordTypeOut, summary="目录条目")
def get_catalog_entry(session: DbSession, code: str) -> RecordTypeOut:
    """One record type with its fields."""
    return RecordTypeOut.of(service.get_record_type(session, code))
