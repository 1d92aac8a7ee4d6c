"""Reads of the citizen's document store, including how often its documents were reused.

Reuse is recorded on the dossier side (DossierDocument.reused_from); it is read here through the reverse
relation `CitizenDocument.reuses`, so this app never imports the dossiers app that depends on it.
"""

import datetime as dt

from django.db.models import Count, QuerySet

from congvu.documents.models import CitizenDocument


def documents_of(personal_id: str) -> QuerySet[CitizenDocument]:
    """The holder's documents, newest first, each with `reuse_total` (how many dossiers attached it)."""
    return (
        CitizenDocument.objects.filter(personal_id=(personal_id or "").strip())
        .select_related("file")
        .annotate(reuse_total=Count("reuses"))
        .order_by("-issued_at", "-id")
    )


def reuse_count(*, dossiers: QuerySet | None = None, since: dt.datetime | None = None, until: dt.datetime | None = None, distinct_dossiers: bool = False) -> int:
    """How many documents were reused from citizens' stores instead of being submitted again.

    `dossiers` limits the count to a queryset of dossiers (a unit's, a period's); `since`/`until` limit it by
    when the document was attached. With `distinct_dossiers` the result is the number of dossiers that
    reused at least one document — the numerator of Decision 766's "share of dossiers reusing digitised
    data" indicator."""
    # One filter() call: each call on a multi-valued relation would join `reuses` again and multiply rows.
    conditions = {"reuses__isnull": False}
    if dossiers is not None:
        conditions["reuses__dossier__in"] = dossiers.values("pk")
    if since is not None:
        conditions["reuses__added_at__gte"] = since
    if until is not None:
        conditions["reuses__added_at__lt"] = until
    rows = CitizenDocument.objects.filter(**conditions)
    if distinct_dossiers:
        return rows.values("reuses__dossier").distinct().count()
    return rows.values("reuses").count()
