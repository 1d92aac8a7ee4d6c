"""A limit on how often one source may send feedback through the public form, kept in the database so that
every server process (and every server) counts together. The source is a keyed hash of the IP address: the
counter never stores the address itself."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from congvu.feedback.models import SubmissionCounter

DEFAULT_LIMIT = 10
DEFAULT_WINDOW = dt.timedelta(hours=1)
# Counters older than this are of no use to any window and are cleared as new windows open.
KEEP = dt.timedelta(days=1)


def limit_and_window() -> tuple[int, dt.timedelta]:
    """Submissions allowed per window; a site behind one shared address (a kiosk) may raise it in settings."""
    limit = int(getattr(settings, "CONGVU_FEEDBACK_LIMIT", DEFAULT_LIMIT))
    seconds = int(getattr(settings, "CONGVU_FEEDBACK_WINDOW_SECONDS", DEFAULT_WINDOW.total_seconds()))
    return limit, dt.timedelta(seconds=seconds)


def source_key(ip: str) -> str:
    return salted_hmac("congvu.feedback.throttle", ip or "unknown", algorithm="sha256").hexdigest()


def _window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    seconds = int(window.total_seconds())
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.timezone.utc)


def allow(ip: str, now: dt.datetime | None = None) -> bool:
    """Count one submission from `ip`; False (and nothing counted) once the window's limit is reached."""
    limit, window = limit_and_window()
    now = now or timezone.now()
    start = _window_start(now, window)
    key = source_key(ip)
    with transaction.atomic():
        counter, created = SubmissionCounter.objects.select_for_update().get_or_create(key=key, window_start=start)
        if created:
            SubmissionCounter.objects.filter(window_start__lt=now - KEEP).delete()
        if counter.count >= limit:
            return False
        SubmissionCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)
    return True
