"""The configured list of query purposes (data/purposes.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from xinyong.accounts.states import Role
from xinyong.queries.errors import UnknownPurpose

PURPOSES_FILE = Path(__file__).parent / "data" / "purposes.yaml"


class Purpose(BaseModel):
    """A purpose an authorised query may be made for, and the roles that may use it."""

    code: str = Field(pattern=r"^[a-z_]{2,32}$")
    name: str = Field(min_length=2, max_length=100)
    roles: list[Role] = Field(min_length=1)


@cache
def load_purposes(path: Path = PURPOSES_FILE) -> dict[str, Purpose]:
    """Purposes by code, read once."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [Purpose.model_validate(item) for item in data["purposes"]]
    return {p.code: p for p in items}


def purpose(code: str | None) -> Purpose:
    """A configured purpose, or UnknownPurpose listing the valid ones."""
    purposes = load_purposes()
    found = purposes.get((code or "").strip())
    if found is None:
        known = "、".join(f"{p.code}（{p.name}）" for p in purposes.values())
        raise UnknownPurpose(f"查询用途缺失或不在配置的用途清单中；可选：{known}")
    return found
