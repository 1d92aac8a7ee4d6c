"""For tests and benchmarks that need a signed-in session of an account that must use a second factor, without
typing a code: the session is signed in and marked verified with a confirmed authenticator of the account, exactly
as the sign-in page leaves it. Never imported by the site itself."""

from __future__ import annotations


def force_verified_login(client, user):
    """`client.force_login(user)`, then the session verified with the user's (possibly new) confirmed TOTP device."""
    from django.conf import settings
    from django.contrib.sessions.backends.base import SessionBase
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from importlib import import_module

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    engine = import_module(settings.SESSION_ENGINE)
    session: SessionBase = engine.SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
