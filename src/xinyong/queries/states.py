"""How a full record was queried, and the kinds of authorisation (not a workflow)."""

from __future__ import annotations

from enum import StrEnum


class QueryChannel(StrEnum):
    """An official's authorised query, or a person's own (with a one-time code)."""

    AUTHORISED = "authorised"
    SELF = "self"


class AuthorisationKind(StrEnum):
    """The authorisation a query rests on (seed 004 三: 授权查询)."""

    CONSENT = "consent"
    LEGAL_BASIS = "legal_basis"
    SELF = "self"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"consent": "本人书面授权", "legal_basis": "法律法规依据", "self": "本人查询"}[self.value]
