"""Delivering one-time codes: a protocol, a default that logs, and an in-memory one for tests."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol

from xinyong import masking
from xinyong.logs import get_logger

log = get_logger(__name__)


class CodeSender(Protocol):
    """Sends a text to a contact (an SMS gateway in production)."""

    def send(self, contact: str, text: str) -> None:
        """Deliver the text; raise on failure."""


class LogSender:
    """Default: writes the message to the log (a stand-in until an SMS gateway is configured)."""

    def send(self, contact: str, text: str) -> None:
        """Log the delivery with the contact masked."""
        log.info("one_time_code_sent", to=masking.mask_phone(contact), text=text)


@dataclass
class InMemorySender:
    """Keeps every message; tests read `sent`."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, contact: str, text: str) -> None:
        """Remember the message."""
        self.sent.append((contact, text))


def sender_from(path: str) -> CodeSender:
    """Instantiate the sender named as module:Class in settings."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)()
