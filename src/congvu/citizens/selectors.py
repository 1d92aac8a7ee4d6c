"""Reads for the signed-in citizen: their dossiers, found by the personal ID the identity provider vouched for."""

from __future__ import annotations

from dataclasses import dataclass

from congvu.dossiers.models import Dossier
from congvu.portal import lookup

# A person files a handful of dossiers a year; a page this long is years of them. Beyond it the page says so
# and points to the lookup by code, rather than render thousands of rows for a shared identity.
PAGE_SIZE = 100

_FIELDS = (
    "code", "state", "submitted_at", "received_at", "due_at", "finished_at", "returned_at",
    "procedure_version__name", "receiving_unit__name",
)


@dataclass(frozen=True)
class MyDossier:
    dossier: Dossier
    status: str
    tone: str


def dossiers_of(personal_id: str) -> tuple[list[MyDossier], bool]:
    """The citizen's dossiers, newest first, and whether there are more than one page shows."""
    if not personal_id:
        return [], False
    rows = list(
        Dossier.objects.filter(applicant__personal_id=personal_id)
        .select_related("procedure_version", "receiving_unit")
        .only(*_FIELDS)
        .order_by("-id")[: PAGE_SIZE + 1]
    )
    items = [
        MyDossier(d, lookup.STATUS_WORDS.get(d.dossier_state, ("", ""))[0], lookup.STATUS_TONE.get(d.dossier_state, "primary"))
        for d in rows[:PAGE_SIZE]
    ]
    return items, len(rows) > PAGE_SIZE
