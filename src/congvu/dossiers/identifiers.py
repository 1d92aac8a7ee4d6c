"""Applicant identifiers, checked for structure only (no network, no Django): DOMAIN.md §9.

* Personal ID (CCCD, Circular 07/2016/TT-BCA art. 7): 12 digits = 3-digit code of the province where the
  birth was registered + 1 digit for century and sex + 2 digits of the birth year + 6 random digits.
  Province codes are the statistics office's province codes with a leading 0; people born before the 2025
  merger carry the old codes, so both the current and the pre-2025 lists are accepted.
* Tax code (Law on Tax Administration 38/2019, Circular 86/2024/TT-BTC): 10 digits for an organisation, or
  10 digits, a hyphen and 3 digits for a dependent unit (branch).
* Telephone: a Vietnamese number as `phonenumbers` knows them (units.phones).

Each check returns the normal form or raises IdentifierError with a Vietnamese message.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from congvu.units.divisions import current_province_codes, legacy_province_codes


class IdentifierError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_PERSONAL_ID = re.compile(r"^\d{12}$")
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


@cache
def _province_codes() -> frozenset[str]:
    return frozenset("0" + code for code in [*legacy_province_codes(), *current_province_codes()])


def birth_year_of(personal_id: str) -> int:
    """The birth year a personal ID encodes: the century digit counts pairs (male, female) from 1900."""
    century = 1900 + (int(personal_id[3]) // 2) * 100
    return century + int(personal_id[4:6])


def check_personal_id(value: str, *, today: dt.date | None = None) -> str:
    raw = re.sub(r"\s", "", value or "")
    if not _PERSONAL_ID.match(raw):
        raise IdentifierError("Số định danh cá nhân phải gồm đúng 12 chữ số.")
    if raw[:3] not in _province_codes():
        raise IdentifierError(f"Số định danh cá nhân có mã tỉnh nơi đăng ký khai sinh “{raw[:3]}” không tồn tại.")
    if birth_year_of(raw) > (today or dt.date.today()).year:
        raise IdentifierError("Số định danh cá nhân có năm sinh (chữ số thứ 4 đến 6) ở tương lai.")
    return raw


def check_tax_code(value: str) -> str:
    raw = re.sub(r"\s", "", value or "")
    if not _TAX_CODE.match(raw):
        raise IdentifierError("Mã số thuế phải gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số (đơn vị phụ thuộc).")
    return raw


def check_phone(value: str) -> str:
    """E.164 form of a Vietnamese number ("0912 345 678" → "+84912345678")."""
    from django.core.exceptions import ValidationError

    from congvu.units.phones import normalise_phone

    try:
        return normalise_phone(value)
    except ValidationError:
        raise IdentifierError(f"“{(value or '').strip()}” không phải số điện thoại Việt Nam hợp lệ.") from None
