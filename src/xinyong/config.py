"""Typed settings, read from XINYONG_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the platform; each field is XINYONG_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="XINYONG_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./xinyong.db", description="SQLAlchemy URL: SQLite file or postgresql://"
    )
    key_file: Path = Field(
        Path("./xinyong.key"), description="file with the encryption, lookup and session keys"
    )
    master_key: SecretStr | None = Field(
        None, description="keys as the key file's JSON text; overrides key_file when set"
    )
    platform_name: str = Field("公共信用信息平台", description="title shown on the portal")
    region_name: str = Field("示范市", description="the city, district or province served")
    holiday_dir: Path = Field(Path("./holidays"), description="folder of holiday YAML files loaded with xinyong calendar load")
    calendar_weekends_fallback: bool = Field(
        False, description="treat unknown years as weekends-only instead of refusing"
    )
    session_hours: int = Field(8, ge=1, le=72, description="console login session lifetime")
    cookie_secure: bool = Field(False, description="mark console cookies Secure (set true behind HTTPS)")
    log_json: bool = Field(False, description="log as JSON lines instead of console text")
    log_level: str = Field("INFO")
    search_limit: int = Field(20, ge=1, le=100, description="results per public search")
    db_pool_size: int = Field(
        20, ge=1, le=200, description="database connections per server process; requests beyond it wait their turn"
    )
    rate_limit_per_minute: int = Field(
        60, ge=1, le=100_000, description="public search, report, self-query and tracking requests per client IP per minute"
    )
    rate_limit_paths: list[str] = Field(
        ["/search", "/api/v1/search", "/reports", "/api/v1/reports", "/api/v1/queries/self", "/query",
         "/objections/status", "/api/v1/objections/status", "/repairs/track", "/api/v1/repairs"],
        description="path prefixes the per-IP limit applies to (each prefix counted separately)",
    )
    rate_limit_trust_forwarded: bool = Field(
        False, description="take the client IP from X-Forwarded-For (only behind a trusted reverse proxy)"
    )
    query_code_minutes: int = Field(10, ge=1, le=60, description="lifetime of a one-time code for a self query")
    query_code_sender: str = Field(
        "xinyong.queries.delivery:LogSender", description="module:Class delivering one-time codes (SMS gateway)"
    )
    query_log_years: int = Field(5, ge=1, le=30, description="how long authorised-query logs are kept")
    upload_max_mb: int = Field(200, ge=1, le=4096, description="largest file the console accepts (the CLI streams any size)")
    attachment_max_mb: int = Field(10, ge=1, le=100, description="largest evidence file (objections, repairs) accepted")
    repair_rules_file: Path | None = Field(
        None, description="credit repair rules (YAML keyed by effective date) used instead of the shipped repair_rules.yaml"
    )
    attachment_dir: Path = Field(
        Path("./attachments"), description="folder for evidence files, outside the web root, stored under random names"
    )
    objection_accept_days: int = Field(1, ge=1, le=30, description="working days to accept or refuse an objection")
    objection_decide_days: int = Field(5, ge=1, le=60, description="working days from submission to the objection decision")
    objection_extended_days: int = Field(
        20, ge=1, le=120, description="the decision deadline once extended (with a reason), working days from submission"
    )
    report_font_path: Path | None = Field(
        None, description="CJK font embedded in credit report PDFs (.ttf/.otf/.ttc); default: Debian's Noto Sans CJK, "
                          "else WenQuanYi Zen Hei"
    )
    report_font_index: int | None = Field(
        None, ge=0, le=31, description="face number inside a .ttc collection; default: Noto Sans CJK SC (2) or 0"
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="address of the public portal, printed (and QR-coded) on credit reports"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return settings read once from the environment."""
    return Settings()
