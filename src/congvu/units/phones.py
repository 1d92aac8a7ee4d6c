"""Vietnamese telephone numbers: one normal form to store (E.164), the national form to show, a masked
form for pages that list colleagues (a colleague's number is personal data: show enough to recognise it,
not enough to call it)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REGION = "VN"


def normalise_phone(raw: str) -> str:
    """"0912 345 678", "+84 912345678" → "+84912345678"; empty stays empty; anything else is refused."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != REGION:
        raise ValidationError(
            _("“%(value)s” is not a valid Vietnamese telephone number."), code="invalid_phone", params={"value": raw}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national_digits(stored: str) -> str:
    """The number as dialled inside Viet Nam ("0912345678"), or what was stored if it does not parse."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, REGION)
    except phonenumbers.NumberParseException:
        return stored
    return "0" + str(number.national_number)


def display_phone(stored: str) -> str:
    if not stored:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(stored, REGION), phonenumbers.PhoneNumberFormat.NATIONAL)
    except phonenumbers.NumberParseException:
        return stored


def mask_phone(stored: str) -> str:
    """"+84912345678" → "091****678": the operator prefix and the last three digits stay readable."""
    digits = national_digits(stored)
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 6) + digits[-3:]
