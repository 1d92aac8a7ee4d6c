"""The portal's one write: a citizen files a dossier online.

The files are checked and stored, and the dossier created, in one transaction: if the dossier service
refuses anything, no file row and no dossier row remain, and a blob written only for this filing is
deleted again, so a refused filing leaves nothing behind (the documents app keeps no unreferenced files).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction

from congvu.documents.models import StoredFile
from congvu.documents.services import store_upload
from congvu.dossiers.models import Dossier
from congvu.dossiers.services import submit_online

# What a citizen may upload: the formats a phone photographs or a scanner writes (documents.validation).
ALLOWED_TYPES = ("pdf", "jpeg", "png")


def file_online(unit, version, applicant: dict, *, summary: str = "", files: Iterable = ()) -> Dossier:
    """File a dossier under `version` at `unit` with the citizen's `files`, (required document, uploaded
    file) pairs. Returns the dossier, waiting in `submitted_online` for an officer; raises the dossier
    services' DossierError or the documents' DocumentError with nothing written."""
    written: list[str] = []
    try:
        with transaction.atomic():
            uploads = []
            for document, upload in files:
                stored = store_upload(upload, getattr(upload, "name", "") or "", allowed=ALLOWED_TYPES)
                written.append(stored.storage_name)
                uploads.append((document, stored))
            return submit_online(unit, version, applicant, summary=summary, uploads=uploads)
    except BaseException:
        _drop_unreferenced(written)
        raise


def _drop_unreferenced(paths: list[str]) -> None:
    """Delete the blobs of a rolled-back filing that no stored file row uses (the same bytes uploaded for
    another dossier keep theirs)."""
    for path in set(paths):
        if not StoredFile.objects.filter(storage_name=path).exists():
            default_storage.delete(path)
