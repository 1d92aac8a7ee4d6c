"""Reads about the outbox for the staff pages: who may see it, the filtered list, the demo mailbox."""

from __future__ import annotations

from django.db.models import QuerySet

from congvu.core.text import search_terms
from congvu.notify.models import OutboxMessage, Status, Transport
from congvu.units.models import Role
from congvu.units.selectors import staff_profile_of

# The outbox holds every citizen's contact details and messages, across all units: only the people who run
# the installation or the province's one-stop reform see it.
MANAGER_ROLES = {Role.SYSTEM_ADMIN, Role.REFORM_ADMIN}

SORTS = {
    "-created": ("-created_at", "-id"),
    "created": ("created_at", "id"),
    "next_attempt": ("next_attempt_at", "id"),
    "-attempts": ("-attempts", "-created_at", "-id"),
    "recipient": ("recipient", "-created_at", "-id"),
}
DEFAULT_SORT = "-created"


def can_manage_notifications(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    profile = staff_profile_of(user)
    return profile is not None and profile.role in MANAGER_ROLES


def _search(queryset: QuerySet, q: str) -> QuerySet:
    # The folded column makes "nguyen van an" find "Nguyễn Văn An" on SQLite and PostgreSQL alike.
    for term in search_terms(q):
        queryset = queryset.filter(search_text__contains=term)
    return queryset


def outbox(status: str = "", channel: str = "", kind: str = "", q: str = "", sort: str = "") -> QuerySet:
    queryset = OutboxMessage.objects.select_related("dossier").defer("search_text")
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if kind:
        queryset = queryset.filter(kind=kind)
    return _search(queryset, q).order_by(*SORTS.get(sort or DEFAULT_SORT, SORTS[DEFAULT_SORT]))


def mailbox(channel: str = "", q: str = "") -> QuerySet:
    """Messages the demo mailbox took in place of a real SMTP server or SMS gateway, newest first."""
    queryset = OutboxMessage.objects.filter(status=Status.SENT, transport=Transport.MAILBOX).select_related("dossier").defer("search_text")
    if channel:
        queryset = queryset.filter(channel=channel)
    return _search(queryset, q).order_by("-sent_at", "-id")


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    return dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")).order_by())
