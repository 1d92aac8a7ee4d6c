"""Account actions: each one transaction that writes the change and its line in the security log."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.accounts.models import AccountAction, AccountEvent
from congvu.accounts.tokens import token_scope
from congvu.units.models import ApiScope, ApiToken


class AccountError(Exception):
    """A refused request, with a Vietnamese message for the person who made it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def issue_api_token(*, by, name: str, unit, acts_as, scopes, expires_at=None) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and never stored (only its SHA-256)."""
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(ApiScope.values):
        raise AccountError(_("Choose at least one permission."))
    name = " ".join(str(name).split())
    if not name:
        raise AccountError(_("Give the token the name of the system that will use it."))
    with transaction.atomic():
        token, raw = ApiToken.issue(name, unit, acts_as, scopes, expires_at=expires_at, created_by=by)
        if token_scope(token).is_empty:
            # Refused (and rolled back) before anyone holds it: a token that reaches nothing is a mistake.
            raise AccountError(_("The owning unit lies outside what this account may see: the token would reach nothing."))
        AccountEvent.objects.create(
            action=AccountAction.TOKEN_ISSUED, actor=by, subject=acts_as, token=token,
            detail=f"{name} — {unit.code} — {', '.join(scopes)}"[:500],
        )
    return token, raw


def revoke_api_token(*, by, token: ApiToken) -> ApiToken:
    now = timezone.now()
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=by)
        if not updated:
            raise AccountError(_("This token was already revoked."))
        AccountEvent.objects.create(action=AccountAction.TOKEN_REVOKED, actor=by, subject=token.acts_as, token=token, detail=token.name[:500])
    token.refresh_from_db()
    return token


def confirm_totp_device(user, device) -> None:
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per account: an older one left behind would be a second way in.
        type(device).objects.filter(user=user).exclude(pk=device.pk).delete()
        AccountEvent.objects.create(action=AccountAction.SECOND_FACTOR_ENROLLED, actor=user, subject=user, detail=device.name[:500])


def reset_second_factor(*, by, user) -> int:
    """Remove the account's authenticators (lost phone): the next sign-in sets up a new one, and sessions verified
    with the old one stop working at their next request (congvu.accounts.middleware)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if by.pk == user.pk:
        raise AccountError(_("Another administrator must reset your own two-factor authentication."))
    with transaction.atomic():
        removed, _detail = TOTPDevice.objects.filter(user=user).delete()
        AccountEvent.objects.create(action=AccountAction.SECOND_FACTOR_RESET, actor=by, subject=user, detail=str(removed))
    return removed
