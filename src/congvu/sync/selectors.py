"""Reads of the portal sync: who may manage it, the filtered list of dossiers by sync state, one dossier's
sync history, the counts of the staff home card and indicator 1.4 (`sync_counts`)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from congvu.core.text import search_terms
from congvu.sync.models import Origin, PortalCall, PortalChange, PortalSync, ResendRecord, SyncState
from congvu.units.models import Role
from congvu.units.selectors import staff_profile_of

# The sync pages show every citizen's dossier as sent to the portal, across all units: the people who run
# the installation and the province's reform office.
MANAGER_ROLES = {Role.SYSTEM_ADMIN, Role.REFORM_ADMIN}

# Failures first, then what still waits, what is in flight, and what is done.
STATE_RANK = Case(
    When(state=SyncState.FAILED, then=Value(0)), When(state=SyncState.PENDING, then=Value(1)), When(state=SyncState.SENT, then=Value(2)),
    default=Value(3), output_field=IntegerField(),
)
SORTS = {
    "problems": ("state_rank", "-updated_at", "-id"),
    "-updated": ("-updated_at", "-id"),
    "updated": ("updated_at", "id"),
    "-received": ("-dossier__received_at", "-id"),
    "code": ("dossier__code", "id"),
    "-attempts": ("-attempts", "-updated_at", "-id"),
}
DEFAULT_SORT = "problems"


def can_manage_sync(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role in MANAGER_ROLES


def dossier_syncs(*, state: str = "", unit=None, date_from: dt.date | None = None, date_to: dt.date | None = None, q: str = "",
                  sort: str = "") -> QuerySet:
    """Dossiers by sync state; `unit` takes its whole subtree (receiving unit); dates are of reception
    (Vietnam days, both included); `q` finds a dossier code (or applicant) without accents."""
    from django.utils import timezone  # noqa: PLC0415

    queryset = PortalSync.objects.select_related("dossier", "dossier__receiving_unit", "dossier__applicant").annotate(state_rank=STATE_RANK)
    if state:
        queryset = queryset.filter(state=state)
    if unit is not None:
        queryset = queryset.filter(dossier__receiving_unit__path__startswith=unit.path)
    tz = timezone.get_default_timezone()
    if date_from:
        queryset = queryset.filter(dossier__received_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        queryset = queryset.filter(dossier__received_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    for term in search_terms(q):
        # The dossier's folded search column holds its code and applicant; a national MaHoSo is matched as typed.
        queryset = queryset.filter(Q(dossier__search_text__contains=term) | Q(national_code__icontains=term))
    return queryset.order_by(*SORTS.get(sort or DEFAULT_SORT, SORTS[DEFAULT_SORT]))


def state_counts() -> dict[str, int]:
    return dict(PortalSync.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))


def waiting_changes() -> int:
    return PortalChange.objects.filter(state="pending").count()


def sync_of(dossier) -> PortalSync | None:
    return PortalSync.objects.filter(dossier_id=dossier.pk).select_related("resent_by").first()


def changes_of(dossier) -> QuerySet:
    return PortalChange.objects.filter(dossier_id=dossier.pk).select_related("event", "requested_by").order_by("-id")


def calls_of(dossier) -> QuerySet:
    return PortalCall.objects.filter(dossier_id=dossier.pk).order_by("-at", "-id")


def resends_of(dossier) -> QuerySet:
    return ResendRecord.objects.filter(dossier_id=dossier.pk).select_related("by")


def sync_counts(unit_ids, start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
    """Indicator 1.4: (dossiers received in [start, end) in those units that the portal has acknowledged, all
    dossiers received there then). A dossier filed on the national portal is on it by definition."""
    from congvu.dossiers.models import Dossier  # noqa: PLC0415

    received = Dossier.objects.filter(receiving_unit_id__in=unit_ids, received_at__gte=start, received_at__lt=end)
    totals = received.aggregate(
        total=Count("id"),
        synced=Count("id", filter=Q(portal_sync__last_acked_at__isnull=False) | Q(portal_sync__origin=Origin.NATIONAL_PORTAL)),
    )
    return totals["synced"], totals["total"]
