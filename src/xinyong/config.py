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
    upload_max_mb: int = Field(200, ge=1, le=4096, description="largest file the console accepts (the CLI streams any size)")
    attachment_max_mb: int = Field(10, ge=1, le=100, description="largest evidence file (objections, repairs) accepted")
    attachment_dir: Path = Field(
        Path("./attachments"), description="folder for evidence files, outside the web root, stored under random names"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return settings read once from the environment."""
    return Settings()
