"""Password reset that tells nobody which accounts exist.

The form's answer is the same page, at the same speed, whatever address is typed: the view only queues a
background task (django-tasks, run by `congvu worker`) with the address, and the task looks the accounts up and
sends the mail. Looking up and sending in the request would take measurably longer for a real account (an SMTP
conversation), which an attacker can time.

The mail goes through the SMTP server configured for notifications (CONGVU_SMTP_*, congvu.notify.conf) when there
is one, else through Django's own mail settings. It never goes through the notification outbox: outbox rows are
readable by the staff who watch deliveries, and a reset link is the account itself.

At most one mail per account every RESEND_SECONDS, so the form cannot be used to flood someone's mailbox.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from congvu.accounts.models import AccountAction, AccountEvent

logger = logging.getLogger(__name__)
RESEND_SECONDS = 5 * 60


def accounts_for(email: str):
    """Active accounts with this address and a usable password (Django's rule for who may reset)."""
    email = (email or "").strip()
    if not email:
        return []
    users = get_user_model().objects.filter(email__iexact=email, is_active=True)
    return [u for u in users if u.has_usable_password()]


def reset_link(user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("staff:password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _send(to: str, subject: str, body: str) -> None:
    from congvu.notify import conf

    smtp = conf.smtp()
    if smtp is not None and smtp.from_address:
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend", host=smtp.host, port=smtp.port, username=smtp.user or None,
            password=smtp.password or None, use_tls=smtp.tls == "starttls", use_ssl=smtp.tls == "ssl", timeout=smtp.timeout,
        )
        EmailMessage(subject, body, smtp.from_address, [to], connection=connection, headers={"Auto-Submitted": "auto-generated"}).send()
        return
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers={"Auto-Submitted": "auto-generated"}).send()


def send_reset_mails(email: str, base_url: str) -> int:
    """Send the reset mail to every account of `email` not mailed in the last RESEND_SECONDS; returns how many."""
    sent = 0
    now = timezone.now()
    for user in accounts_for(email):
        recent = AccountEvent.objects.filter(
            subject=user, action=AccountAction.PASSWORD_RESET_MAILED, at__gte=now - dt.timedelta(seconds=RESEND_SECONDS),
        ).exists()
        if recent:
            continue
        with translation.override("vi"):
            context = {"user": user, "link": reset_link(user, base_url), "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
            subject = " ".join(render_to_string("accounts/password_reset_subject.txt", context).split())
            body = render_to_string("accounts/password_reset_email.txt", context)
        _send(user.email, subject, body)
        AccountEvent.objects.create(action=AccountAction.PASSWORD_RESET_MAILED, subject=user, detail=user.email[:500])
        sent += 1
    return sent


@task()
def send_password_reset(email: str, base_url: str) -> int:
    return send_reset_mails(email, base_url)


def request_password_reset(email: str, base_url: str) -> None:
    """What the form does for any address: queue the task. Nothing here depends on whether the account exists."""
    send_password_reset.enqueue(email=(email or "").strip()[:254], base_url=base_url)
