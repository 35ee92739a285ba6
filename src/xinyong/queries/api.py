"""Authorised query API (授权查询): officials with purpose and authorisation; persons with a one-time code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from xinyong.accounts.states import Role
from xinyong.queries import definitions, repository, service
from xinyong.queries.errors import CodeRejected
from xinyong.queries.schemas import (
    AuthorisedQueryIn,
    CodeRequestIn,
    CodeSentOut,
    FullRecordOut,
    PurposeOut,
    QueryLogOut,
    SelfQueryIn,
)
from xinyong.web import AppKeyring, AppSettings, Caller, DbSession

router = APIRouter(tags=["授权查询"])
CODE_SENT = "如该证件号码已登记联系方式，验证码已发送至预留手机，请在有效期内使用"


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/queries/purposes", response_model=list[PurposeOut], summary="查询用途清单")
def purposes() -> list[PurposeOut]:
    """The configured purposes an authorised query may state, with the roles allowed each."""
    return [PurposeOut(code=p.code, name=p.name, roles=[r.value for r in p.roles])
            for p in definitions.load_purposes().values()]


@router.post("/queries", response_model=FullRecordOut, summary="授权查询自然人完整信用信息")
def authorised_query(body: AuthorisedQueryIn, request: Request, session: DbSession, keyring: AppKeyring,
                     caller: Caller) -> FullRecordOut:
    """Full record of a natural person, for a configured purpose the caller's role may use, with the person's
    consent number or the legal basis; every query is logged and audited."""
    return service.authorised_query(session, keyring, caller, document_type=body.document_type,
                                    document_number=body.document_number, purpose=body.purpose,
                                    authorisation_kind=body.authorisation_kind,
                                    authorisation_ref=body.authorisation_ref, client_ip=_ip(request))


@router.post("/queries/self/code", response_model=CodeSentOut, summary="本人查询：获取验证码")
def request_code(body: CodeRequestIn, request: Request, session: DbSession, keyring: AppKeyring,
                 settings: AppSettings) -> CodeSentOut:
    """Send a one-time code to the mobile number on file; the answer is the same whether or not one exists."""
    service.request_code(session, keyring, request.app.state.code_sender, document_type=body.document_type,
                         document_number=body.document_number, minutes=settings.query_code_minutes,
                         platform=settings.platform_name)
    return CodeSentOut(detail=CODE_SENT, expires_in_minutes=settings.query_code_minutes)


@router.post("/queries/self", response_model=FullRecordOut, summary="本人查询：凭验证码查看本人完整信用信息",
             responses={401: {"description": "验证码错误、过期或已使用"}})
def self_query(body: SelfQueryIn, request: Request, session: DbSession, keyring: AppKeyring) -> Any:
    """A person's own full record with their ID number and the one-time code (single use, expires)."""
    try:
        return service.self_query(session, keyring, document_type=body.document_type,
                                  document_number=body.document_number, code=body.code, client_ip=_ip(request))
    except CodeRejected as exc:  # answered, not raised: the failed attempt must be committed
        return JSONResponse(exc.to_dict(), status_code=exc.status)


@router.get("/queries/log", response_model=list[QueryLogOut], summary="授权查询日志")
def query_log(session: DbSession, caller: Caller,
              limit: Annotated[int, Query(description="最多返回条数", ge=1, le=1000)] = 100) -> list[QueryLogOut]:
    """Newest authorised and self queries (credit office only); no personal data in clear."""
    caller.require(Role.CREDIT_OFFICE_ADMIN)
    return [QueryLogOut.model_validate(row, from_attributes=True) for row in repository.recent_logs(session, limit=limit)]
