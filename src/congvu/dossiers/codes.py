"""Dossier codes (Circular 01/2018 art. 19, kept by Circular 03/2025): `<identifier>-<YYMMDD>-<NNNN>`.

The identifier is the receiving body's electronic-document code (QCVN 102:2016); the sequence restarts
each day for each body. Nationally centralised online services (Circular 04/2025/TT-VPCP, from 25 Jan 2026)
issue `<identifier>-<YYMMDD>-<AA><XXXX…>`: two digits of the system owner's code then at least four digits.
Both are accepted when reading a code; congvu issues the first.
"""

import datetime as dt
import re
from dataclasses import dataclass

_CODE = re.compile(r"^(?P<identifier>[A-Za-z0-9][A-Za-z0-9._]*)-(?P<day>\d{6})-(?P<seq>\d{4,})$")


@dataclass(frozen=True)
class DossierCode:
    identifier: str
    day: dt.date
    sequence: str  # kept as text: leading zeros and the Circular 04 owner prefix are part of it

    def __str__(self) -> str:
        return f"{self.identifier}-{self.day:%y%m%d}-{self.sequence}"


def format_code(identifier: str, day: dt.date, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    # Four digits as the Circular shows; a busy body's 10,000th dossier of a day simply gets five.
    return f"{identifier}-{day:%y%m%d}-{sequence:04d}"


def parse_code(code: str) -> DossierCode | None:
    """The parts of a dossier code, or None if `code` is not one (wrong shape or impossible date)."""
    match = _CODE.match((code or "").strip())
    if not match:
        return None
    try:
        day = dt.datetime.strptime(match["day"], "%y%m%d").date()
    except ValueError:
        return None
    return DossierCode(match["identifier"], day, match["seq"])
