"""Application factory: one FastAPI app serving /api/v1, the public portal and the console."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong import __version__
from xinyong.config import Settings, get_settings
from xinyong.crypto import Keyring
from xinyong.db import make_engine, make_session_factory, unit_of_work
from xinyong.errors import XinyongError
from xinyong.logs import configure_logging, get_logger
from xinyong.system.service import load_keyring

log = get_logger(__name__)

API_DESCRIPTION = """
公共信用信息平台接口。所有错误以 JSON 返回：`{"error": 代码, "detail": 中文说明}`。
业务系统调用需在请求头 `Authorization: Bearer <API密钥>` 或 `X-API-Key` 中提供密钥；公开查询无需密钥。
"""


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, code: str, detail: str) -> Any:
    if _wants_json(request):
        return JSONResponse({"error": code, "detail": detail}, status_code=status)
    from xinyong.web import render

    return render(request, "error.html", {"status": status, "code": code, "detail": detail}, status_code=status)


HTTP_MESSAGES = {404: ("not_found", "页面不存在"), 405: ("method_not_allowed", "不支持该请求方法")}


def install_error_handlers(app: FastAPI) -> None:
    """Render every error as JSON under /api and as a Chinese page elsewhere."""

    @app.exception_handler(XinyongError)
    async def _xinyong(request: Request, exc: XinyongError) -> Any:
        return _error_response(request, exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Any:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
        return _error_response(request, 422, "invalid_input", "请求参数有误：" + ";".join(parts))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Any:
        code, text = HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail)))
        return _error_response(request, exc.status_code, code, text)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Any:
        log.exception("unhandled_error", path=request.url.path)
        return _error_response(request, 500, "internal_error", "系统内部错误，已记录，请稍后再试")


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    session_factory: sessionmaker[Session] | None = None,
    keyring: Keyring | None = None,
) -> FastAPI:
    """Build the app; refuses to start when the encryption key is missing or wrong."""
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if session_factory is None:
        # No ping per checkout (a round trip per request): a connection found dead fails its request and
        # makes the pool drop all older connections; hot routes retry once (xinyong.web.in_unit_of_work).
        # Requests are admitted up to the pool size; the overflow serves the short side writes a request
        # may make on a second connection (API-key usage stamps), so those never wait for a request to end.
        engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size,
                                       max_overflow=settings.db_pool_size, pool_pre_ping=False, pool_recycle=1800)
        session_factory = make_session_factory(engine)
    if keyring is None:
        with unit_of_work(session_factory) as session:
            keyring = load_keyring(session, settings)

    app = FastAPI(
        title=f"{settings.platform_name} API", version=__version__, description=API_DESCRIPTION,
        docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json",
    )
    app.state.settings = settings
    app.state.session_factory = session_factory
    app.state.keyring = keyring
    from xinyong.web import RequestSlots

    app.state.request_slots = RequestSlots(settings.db_pool_size)
    install_error_handlers(app)
    from xinyong.queries.delivery import sender_from
    from xinyong.security import SecurityMiddleware

    app.state.code_sender = sender_from(settings.query_code_sender)
    app.add_middleware(SecurityMiddleware, limit=settings.rate_limit_per_minute, paths=settings.rate_limit_paths,
                       trust_forwarded=settings.rate_limit_trust_forwarded)

    from pathlib import Path

    from xinyong.accounts import portal as accounts_portal
    from xinyong.audit import console as audit_console
    from xinyong.catalog import api as catalog_api
    from xinyong.lists import api as lists_api
    from xinyong.lists import api_webhooks as lists_webhooks_api
    from xinyong.lists import console as lists_console
    from xinyong.lists import portal as lists_portal
    from xinyong.measures import api as measures_api
    from xinyong.measures import console as measures_console
    from xinyong.objections import api as objections_api
    from xinyong.objections import console as objections_console
    from xinyong.objections import portal as objections_portal
    from xinyong.portal import routes as portal_routes
    from xinyong.records import api as records_api
    from xinyong.records import portal as records_portal
    from xinyong.reports import api as reports_api
    from xinyong.reports import portal as reports_portal
    from xinyong.screening import api as screening_api
    from xinyong.subjects import api as subjects_api
    from xinyong.subjects import portal as subjects_portal
    from xinyong.system import api as system_api
    from xinyong.web import ERROR_RESPONSES, optional_principal

    # The check is business systems' hot path: matched first (routes are tried in order), and it resolves its
    # caller itself, inside its one worker-thread hop.
    app.include_router(measures_api.checks_router, prefix="/api/v1")
    app.include_router(subjects_api.profile_router, prefix="/api/v1")  # the same one-hop pattern for the profile
    # A presented API key must be valid even on public endpoints: a revoked key is refused, not ignored.
    api_deps = [Depends(optional_principal)]
    for router in (subjects_api.router, catalog_api.router, records_api.router, lists_api.router,
                   lists_webhooks_api.router):
        app.include_router(router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    app.include_router(system_api.router, prefix="/api/v1")  # constant answer, no key: liveness, bench baseline
    app.include_router(portal_routes.router)
    app.include_router(subjects_portal.router)
    app.include_router(accounts_portal.router)
    app.include_router(records_portal.router)
    app.include_router(records_portal.public_router)
    app.include_router(lists_portal.router)
    app.include_router(lists_console.router)
    app.include_router(measures_api.router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    app.include_router(measures_console.router)
    app.include_router(measures_console.public_router)
    app.include_router(screening_api.router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    app.include_router(objections_api.router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    app.include_router(objections_portal.router)
    app.include_router(objections_console.router)
    app.include_router(reports_api.router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    app.include_router(reports_portal.router)
    app.include_router(audit_console.router)
    from xinyong.queries import api as queries_api

    app.include_router(queries_api.router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    from xinyong.queries import portal as queries_portal

    app.include_router(queries_portal.router)
    from xinyong.repairs import api as repairs_api
    from xinyong.repairs import console as repairs_console
    from xinyong.repairs import portal as repairs_portal

    app.include_router(repairs_api.router, prefix="/api/v1", dependencies=api_deps, responses=ERROR_RESPONSES)
    app.include_router(repairs_portal.router)
    app.include_router(repairs_console.router)
    install_offline_docs(app)  # before /static, which would otherwise swallow /static/swagger
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "portal" / "static")), name="static")
    return app


def install_offline_docs(app: FastAPI) -> None:
    """Serve Swagger UI from files shipped in fastapi-offline: the default CDN is unreachable on an intranet."""
    from pathlib import Path

    import fastapi_offline
    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/static/swagger", StaticFiles(directory=str(Path(fastapi_offline.__file__).parent / "static")),
              name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Any:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/api/v1/openapi.json", title=f"{app.title} 接口文档",
            swagger_js_url="/static/swagger/swagger-ui-bundle.js", swagger_css_url="/static/swagger/swagger-ui.css",
            swagger_favicon_url="/static/swagger/favicon.png",
        )
