"""Staff sign-in (password, then a TOTP code where required), password reset, and the administrators' pages for API
tokens and two-factor recovery.

Sign-in in two steps: a correct password does not sign the person in when their account needs a second factor.
The session then only holds a pending sign-in (who, when, where to go next) for a few minutes; the account is signed
in (django.contrib.auth.login) after the code from their authenticator app is right. Until then every page, the
admin and the API see an anonymous visitor. A wrong code counts as a failed sign-in for django-axes, so guessing codes
locks the account out like guessing passwords.
"""

from __future__ import annotations

import base64
import io
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from congvu.accounts import policy
from congvu.accounts.forms import CodeForm, PasswordResetRequestForm, SignInForm, TokenIssueForm
from congvu.accounts.models import AccountAction, AccountEvent
from congvu.accounts.passwords import request_password_reset
from congvu.accounts.services import AccountError, confirm_totp_device, issue_api_token, reset_second_factor, revoke_api_token
from congvu.units.models import ApiToken, Role
from congvu.units.selectors import staff_profile_of

PENDING = "accounts.pending"
DEVICE_NAME = "congvu"


# ------------------------------------------------------------------------------------------------ sign-in


def _safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


class SignInView(auth_views.LoginView):
    template_name = "congvu/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not (policy.has_second_factor(user) or policy.second_factor_required(user)):
            return super().form_valid(form)
        request = self.request
        # A new session key now: whatever an attacker planted before the password step is not the pending one.
        request.session.cycle_key()
        request.session[PENDING] = {
            "user": user.pk, "backend": user.backend, "at": time.time(), "next": self.get_redirect_url(),
            # The password hash's HMAC, as a signed-in session keeps it: a password changed meanwhile voids the step.
            "hash": user.get_session_auth_hash(),
        }
        step = "staff:second_factor" if policy.has_second_factor(user) else "staff:second_factor_setup"
        return redirect(step)


def _pending_user(request):
    """The account whose password was right in this session a few minutes ago, or None."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("at", 0)) > policy.pending_seconds():
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        request.session.pop(PENDING, None)
        return None
    user.backend = pending.get("backend") or settings.AUTHENTICATION_BACKENDS[-1]
    return user


def _locked(request, user) -> bool:
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    from axes.handlers.proxy import AxesProxyHandler

    return not AxesProxyHandler.is_allowed(request, {"username": user.get_username()})


def _wrong_code(request, user) -> None:
    # django-axes counts this like a wrong password (and flags the request when the limit is reached).
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def _code_accepted(request, user, device, form) -> bool:
    """Check the posted code against `device` (locked for the check, so two requests cannot both use one code).
    A wrong or malformed code is a failed sign-in for django-axes; a code sent while the device makes the person
    wait after earlier failures (django-otp's throttling, doubling each time) is refused without being tried."""
    from django.db import transaction

    if not form.is_valid():
        _wrong_code(request, user)
        return False
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, data = locked.verify_is_allowed()
        if not allowed:
            form.add_error("code", _("Too many wrong codes in a row: wait a few seconds, then enter the code your app shows now."))
            return False
        if locked.verify_token(form.cleaned_data["code"]):
            device.refresh_from_db()
            return True
    _wrong_code(request, user)
    form.add_error("code", _("This code is not right or has expired. Enter the code your app shows now."))
    return False


def _finish_sign_in(request, user, device):
    from django_otp import login as otp_login

    next_url = request.session.get(PENDING, {}).get("next", "")
    request.session.pop(PENDING, None)
    login(request, user, backend=user.backend)
    otp_login(request, device)
    return redirect(_safe_next(request, next_url))


def _restart(request, message: str):
    request.session.pop(PENDING, None)
    messages.warning(request, message)
    return redirect("staff:login")


@never_cache
@sensitive_post_parameters("code")
def second_factor(request):
    """Step two for an account with an authenticator: the 6-digit code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _pending_user(request)
    if user is None:
        return _restart(request, _("Sign in with your username and password first (the previous step expired after a few minutes)."))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("staff:second_factor_setup")
    if _locked(request, user):
        return _restart(request, _("Too many wrong codes: this account cannot sign in from this computer for a while."))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _code_accepted(request, user, device, form):
        return _finish_sign_in(request, user, device)
    return render(request, "accounts/second_factor.html", {"form": form, "pending_user": user})


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@never_cache
@sensitive_post_parameters("code")
def second_factor_setup(request):
    """First sign-in of an account that needs a second factor and has none (new, or reset by an administrator):
    scan the QR code into an authenticator app, type the code it shows, and the device is confirmed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _pending_user(request)
    if user is None:
        return _restart(request, _("Sign in with your username and password first (the previous step expired after a few minutes)."))
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("staff:second_factor")
    if _locked(request, user):
        return _restart(request, _("Too many wrong codes: this account cannot sign in from this computer for a while."))
    # The unconfirmed device survives reloads of this page: the person may already have scanned its secret.
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _code_accepted(request, user, device, form):
        confirm_totp_device(user, device)
        return _finish_sign_in(request, user, device)
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(request, "accounts/second_factor_setup.html", {
        "form": form, "pending_user": user, "qr": _qr_data_uri(device.config_url),
        "secret_groups": [secret[i:i + 4] for i in range(0, len(secret), 4)],
    })


def admin_login(request, extra_context=None):
    """Django admin's login page: the staff sign-in (with its second factor), then back to the admin."""
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('staff:login')}?{urlencode({'next': next_url})}")


# ------------------------------------------------------------------------------------------------ password reset


def _public_base_url(request) -> str:
    import os

    configured = getattr(settings, "CONGVU_PUBLIC_URL", None) or os.environ.get("CONGVU_PUBLIC_URL")
    # The configured address when there is one: the Host header is the requester's to choose (within
    # ALLOWED_HOSTS), and the link must lead to the real site whoever asked for it.
    return (configured or request.build_absolute_uri("/")).rstrip("/")


@never_cache
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request_password_reset(form.cleaned_data["email"], _public_base_url(request))
        return redirect("staff:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("staff:password_reset_complete")
    post_reset_login = False  # the new password still goes through sign-in, and its second factor


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# ------------------------------------------------------------------------------------------------ administrators


def is_account_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role == Role.SYSTEM_ADMIN


def _require_account_admin(request) -> None:
    if not is_account_admin(request.user):
        raise PermissionDenied(_("Only system administrators manage API tokens and two-factor recovery."))


def _token_page(request, form, issued=None, raw=None, status=200):
    tokens = ApiToken.objects.select_related("unit", "acts_as", "created_by", "revoked_by").order_by("revoked_at", "-created_at")
    response = render(request, "accounts/tokens.html", {"form": form, "tokens": tokens, "issued": issued, "raw": raw}, status=status)
    # The page that shows a new token's value is never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
def tokens(request):
    _require_account_admin(request)
    form = TokenIssueForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                token, raw = issue_api_token(
                    by=request.user, name=data["name"], unit=data["unit"], acts_as=data["acts_as"], scopes=data["scopes"],
                    expires_at=form.expires_at(),
                )
            except AccountError as exc:
                form.add_error(None, exc.message)
            else:
                # Shown in this answer only: not in a message (messages travel in a cookie or the session table).
                return _token_page(request, TokenIssueForm(), issued=token, raw=raw, status=201)
        return _token_page(request, form, status=422)
    return _token_page(request, form)


@login_required
def token_revoke(request, pk: int):
    _require_account_admin(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    token = get_object_or_404(ApiToken.objects.select_related("acts_as"), pk=pk)
    try:
        revoke_api_token(by=request.user, token=token)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” is revoked: calls with it are refused from now on.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
@never_cache
def second_factors(request):
    """Who must use a second factor, who has one, and the reset for a lost phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_account_admin(request)
    q = " ".join(request.GET.get("q", "").replace("\x00", "").split())[:100]
    confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    must = Q(is_superuser=True) | Q(staff_profile__role__in=list(policy.SECOND_FACTOR_ROLES)) | Q(staff_profile__is_head=True)
    users = (
        get_user_model().objects.filter(is_active=True).filter(must | Exists(confirmed))
        .annotate(has_device=Exists(confirmed)).select_related("staff_profile__unit").order_by("username")
    )
    if q:
        users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    events = AccountEvent.objects.filter(
        action__in=[AccountAction.SECOND_FACTOR_RESET, AccountAction.SECOND_FACTOR_ENROLLED],
    ).select_related("actor", "subject")[:20]
    return render(request, "accounts/second_factors.html", {
        "users": users[:200], "q": q, "events": events, "role_labels": dict(Role.choices),
        "enforced": policy.enforcement_on(),
    })


@login_required
def second_factor_reset(request, pk: int):
    _require_account_admin(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = get_object_or_404(get_user_model(), pk=pk)
    try:
        removed = reset_second_factor(by=request.user, user=user)
    except AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _(
            "Two-factor authentication of %(name)s is reset (%(count)d authenticator removed). At the next sign-in they "
            "set up a new one; make sure it is really them who signs in."
        ) % {"name": user.get_full_name() or user.get_username(), "count": removed})
    return redirect("accounts:second_factors")

