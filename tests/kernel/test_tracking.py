"""Tracking codes are typable and unguessable; the ID-tail check is exact."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from xinyong.tracking import ALPHABET, id_tail_matches, new_tracking_code, normalise_tracking_code


def test_code_shape_and_alphabet() -> None:
    code = new_tracking_code("yy", dt.date(2026, 12, 6))
    assert re.fullmatch(r"YY-20261206-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{8}", code)
    assert not set("01IOLU") & set(ALPHABET)


def test_codes_do_not_repeat() -> None:
    codes = {new_tracking_code("YY") for _ in range(2000)}
    assert len(codes) == 2000


def test_normalise_typed_code() -> None:
    assert normalise_tracking_code(" yy-20261206-7k3m 9qxp ") == "YY-20261206-7K3M9QXP"


@pytest.mark.parametrize(("stored", "given", "ok"), [
    ("123X", "35010219900101123x", True),
    ("123X", "123X", True),
    ("123X", " 12 3x ", True),
    ("123X", "1234", False),
    ("123X", "23X", False),
    ("123X", "", False),
    ("", "", False),
    ("123X", "一二三四", False),
])
def test_id_tail_matches(stored: str, given: str, ok: bool) -> None:
    assert id_tail_matches(stored, given) is ok
