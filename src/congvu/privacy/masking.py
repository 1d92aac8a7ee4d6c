"""The one home of the masked forms of personal data shown in lists, exports, logs and public pages.

Decree 13/2023 art. 3 asks that processing be limited to what the purpose needs: a list, an export or a log
line needs enough to recognise a person at the counter, not enough to copy their number or call them. Pure
functions, no models, so every app (and the notification worker) can import them without importing apps.
"""

from congvu.units.phones import mask_phone

__all__ = ["mask_email", "mask_personal_id", "mask_phone", "mask_recipient"]


def mask_personal_id(value: str) -> str:
    """"001234565678" → "0012****5678": enough to recognise a person at the counter, not to copy the number."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_email(value: str) -> str:
    """"an.nguyen@example.vn" → "a***@example.vn"; text that is not an address is hidden entirely."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at or not local or not domain:
        return "*" * min(len(value), 8)
    return f"{local[:1]}***@{domain}"


def mask_recipient(recipient: str) -> str:
    """A notification's recipient, an e-mail address or a phone number, masked as either."""
    if "@" in (recipient or ""):
        return mask_email(recipient)
    return mask_phone(recipient or "")
