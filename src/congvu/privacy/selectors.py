"""Reads of the privacy pages: the access log and the request register, filtered and scoped."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from congvu.privacy import access
from congvu.privacy.models import AccessLogEntry, DataRequest


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def access_log(user, *, date_from=None, date_to=None, who="", kind="", record="", reason="") -> QuerySet[AccessLogEntry]:
    qs = access.access_log_for(user, AccessLogEntry.objects.select_related("unit"))
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if who:
        qs = qs.filter(Q(user_name__icontains=who) | Q(user__username__iexact=who))
    if kind:
        qs = qs.filter(record_kind=kind)
    if record:
        qs = qs.filter(record_key=record)
    if reason:
        qs = qs.filter(reason=reason)
    return qs.order_by("-at", "-id")


def requests(user, *, state="", personal_id="") -> QuerySet[DataRequest]:
    qs = access.requests_for(user, DataRequest.objects.select_related("unit", "received_by", "closed_by"))
    if state:
        qs = qs.filter(state=state)
    if personal_id:
        qs = qs.filter(personal_id=personal_id)
    return qs.order_by("-received_at", "-id")


def request_for(user, pk: int) -> DataRequest | None:
    return requests(user).filter(pk=pk).first()
