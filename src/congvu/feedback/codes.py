"""Tracking codes of feedback (phản ánh, kiến nghị), pure Python.

Shape: ``PA-YYMMDD-XXXXXC`` — the day it was received, five random characters and a check character. A citizen
reads the code from a slip or dictates it over the hotline, so the alphabet leaves out characters that are
easily confused (0/O, 1/I/L, U/V), and the check character (Luhn mod N over the whole code) catches any one
mistyped character before the database is asked. The code is not a secret: the tracking page also needs the
access token that only the person who sent the feedback received (see `links.tracking_token`).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable

PREFIX = "PA"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 5
_BASE = len(ALPHABET)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_SHAPE = re.compile(rf"^{PREFIX}-(\d{{6}})-([{ALPHABET}]{{{RANDOM_LENGTH + 1}}})$")


def _points(day_digits: str, body: str) -> list[int]:
    # Day digits keep their value (0–9, all below the base); random characters their index in the alphabet.
    return [int(d) for d in day_digits] + [_VALUE[ch] for ch in body]


def check_character(day_digits: str, body: str) -> str:
    """Luhn mod N check character: detects every single substitution and most adjacent transpositions."""
    factor = 2
    total = 0
    for point in reversed(_points(day_digits, body)):
        addend = factor * point
        factor = 1 if factor == 2 else 2
        total += addend // _BASE + addend % _BASE
    return ALPHABET[(_BASE - total % _BASE) % _BASE]


def _is_consistent(day_digits: str, body_with_check: str) -> bool:
    factor = 1
    total = 0
    for point in reversed(_points(day_digits, body_with_check)):
        addend = factor * point
        factor = 1 if factor == 2 else 2
        total += addend // _BASE + addend % _BASE
    return total % _BASE == 0


def new_code(day: dt.date, choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code for feedback received on `day` (the caller retries on the rare collision)."""
    digits = day.strftime("%y%m%d")
    body = "".join(choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{PREFIX}-{digits}-{body}{check_character(digits, body)}"


def normalise_code(text: str | None) -> str:
    """What a person typed, in the stored form: upper case, no spaces; hyphens put back when left out."""
    compact = re.sub(r"[\s\-–—_.]", "", str(text or "")).upper()
    if len(compact) == len(PREFIX) + 6 + RANDOM_LENGTH + 1 and compact.startswith(PREFIX):
        return f"{compact[:2]}-{compact[2:8]}-{compact[8:]}"
    return compact


def is_valid_code(text: str | None) -> bool:
    """Well formed, a real calendar day, and the check character agrees."""
    match = _SHAPE.match(str(text or ""))
    if not match:
        return False
    digits, rest = match.groups()
    try:
        dt.datetime.strptime(digits, "%y%m%d")
    except ValueError:
        return False
    return _is_consistent(digits, rest)
