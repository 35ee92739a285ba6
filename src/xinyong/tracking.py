"""Tracking codes for no-login status pages, and the ID-tail check that guards them."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

# Crockford-like alphabet without 0/O, 1/I/L, U: read over the phone and typed without confusion.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 8  # 30^8 ≈ 6.6e11 codes per prefix and day: not guessable at portal rate limits
TAIL_LENGTH = 4


def new_tracking_code(prefix: str, today: dt.date | None = None) -> str:
    """A code like YY-20261206-7K3M9QXP: prefix, date, eight random unambiguous characters."""
    day = (today or dt.date.today()).strftime("%Y%m%d")
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{prefix.upper()}-{day}-{random_part}"


def normalise_tracking_code(text: str) -> str:
    """A typed code in canonical form: upper case, without spaces."""
    return "".join((text or "").split()).upper()


def id_tail(document: str) -> str:
    """The last four characters of an ID number or credit code, upper case."""
    return "".join((document or "").split()).upper()[-TAIL_LENGTH:]


def id_tail_matches(stored_tail: str, given: str) -> bool:
    """Constant-time check that `given` ends with (or is) the stored four-character tail."""
    expected = id_tail(stored_tail).encode()
    offered = id_tail(given).encode()
    if len(expected) != TAIL_LENGTH:
        return False
    # compare_digest on bytes: a non-ASCII string would otherwise raise instead of refusing.
    return hmac.compare_digest(expected, offered)
