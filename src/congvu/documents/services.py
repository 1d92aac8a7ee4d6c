"""Keeping files: uploads checked by content, generated results, and the citizen's document store.

Blobs are content-addressed: a file lives at `files/<aa>/<bb>/<sha256>.<ext>` in the default storage
(MEDIA_ROOT under the data dir), a path made only of the hash and the extension of the type found in its
bytes. Nothing a user typed ever reaches the file system, so no name can escape the folder, overwrite
another file or collide with one.

Deduplication: the same bytes uploaded twice share one blob, but each upload gets its own StoredFile row,
so the name shown and who uploaded it stay those of that upload (two citizens with the same scan never see
each other's file names) and a row can be referenced by its dossier without knowing about the other.
"""

import datetime as dt
import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from congvu.documents.models import CitizenDocument, StoredFile
from congvu.documents.selectors import documents_of, reuse_count
from congvu.documents.validation import FILE_TYPES, DocumentError, DocumentErrorCode, FileType, check_content, clean_name

DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A generated result (a certificate, a decision) is made by congvu itself, so it is not held to the
# upload limit, only to a ceiling that catches a runaway template.
MAX_GENERATED_BYTES = 100 * 1024 * 1024
_PERSONAL_ID = re.compile(r"^\d{12}$")


def max_upload_bytes() -> int:
    """The upload limit: settings.CONGVU_UPLOAD_MAX_BYTES when an operator sets it, else 10 MB."""
    return int(getattr(settings, "CONGVU_UPLOAD_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def storage_path(sha256: str, file_type: FileType) -> str:
    return f"files/{sha256[:2]}/{sha256[2:4]}/{sha256}.{file_type.extension}"


def _read_all(data, limit: int) -> tuple[bytes, int]:
    """(content, size) of `data` (bytes or a binary file-like), reading at most `limit` + 1 bytes: one byte
    more than the limit is enough to know a file is too large without reading a huge upload into memory.
    A file-like that declares its size (Django's UploadedFile) is not read at all when that is too large."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        content = bytes(data)
        return content, len(content)
    declared = getattr(data, "size", None)
    if isinstance(declared, int) and declared > limit:
        return b"", declared
    if hasattr(data, "seek"):
        data.seek(0)
    chunks, total = [], 0
    while total <= limit:
        chunk = data.read(min(1024 * 1024, limit + 1 - total))
        if not chunk:
            break
        if isinstance(chunk, str):
            raise TypeError("store_upload needs bytes or a file opened in binary mode")
        chunks.append(chunk)
        total += len(chunk)
    content = b"".join(chunks)
    return content, len(content)


def _save_blob(content: bytes, sha256: str, file_type: FileType) -> tuple[str, bool]:
    """Write the blob unless the same content is already stored; returns (path, newly written)."""
    path = storage_path(sha256, file_type)
    if default_storage.exists(path):
        if default_storage.size(path) == len(content):
            return path, False
        # A partial blob (a crash mid-write) is replaced: its name promises content it does not hold.
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(content))
    if saved != path:
        # Another request wrote the same content between exists() and save(); the storage picked a new
        # name for ours. The content is identical, so keep theirs.
        default_storage.delete(saved)
        return path, False
    return path, True


def _store(content: bytes, file_type: FileType, original_name: str, uploaded_by) -> StoredFile:
    sha256 = hashlib.sha256(content).hexdigest()
    path, created = _save_blob(content, sha256, file_type)
    try:
        with transaction.atomic():
            return StoredFile.objects.create(
                sha256=sha256, size=len(content), content_type=file_type.content_type,
                original_name=clean_name(original_name, fallback_extension=file_type.extension),
                storage_name=path, uploaded_by=uploaded_by,
            )
    except BaseException:
        if created and not StoredFile.objects.filter(storage_name=path).exists():
            default_storage.delete(path)
        raise


def store_upload(
    data, original_name: str, *, uploaded_by=None, allowed: tuple[str, ...] = ("pdf", "jpeg", "png"), max_bytes: int | None = None,
) -> StoredFile:
    """Check and keep an uploaded file (bytes or a binary file-like such as Django's UploadedFile).

    Refused with a DocumentError (code empty / too_large / unsupported_type) before anything is written:
    an empty file, one above `max_bytes` (default `max_upload_bytes()`), or one whose bytes are not one of
    the `allowed` types whatever its name says."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    content, size = _read_all(data, limit)
    file_type = check_content(content[:16], size, allowed=allowed, max_bytes=limit)
    return _store(content, file_type, original_name, uploaded_by)


def store_generated(pdf_bytes: bytes, name: str, *, created_by=None) -> StoredFile:
    """Keep a PDF congvu produced (a result document, a signed letter). Still checked to be a PDF: a
    template error that yields HTML must not be filed as a result."""
    file_type = check_content(pdf_bytes[:16], len(pdf_bytes), allowed=("pdf",), max_bytes=MAX_GENERATED_BYTES)
    return _store(bytes(pdf_bytes), file_type, name, created_by)


def open_stored(stored_file: StoredFile) -> File:
    """The stored bytes, opened for reading, for a download view. The caller checks that the person may
    see the dossier it belongs to; this only guarantees the path is the one congvu derived itself."""
    if stored_file.storage_name != storage_path(stored_file.sha256, _type_of(stored_file)):
        raise ValueError(f"stored file {stored_file.pk} has a storage path congvu did not derive")
    return default_storage.open(stored_file.storage_name, "rb")


def _type_of(stored_file: StoredFile) -> FileType:
    for file_type in FILE_TYPES.values():
        if file_type.content_type == stored_file.content_type:
            return file_type
    raise ValueError(f"stored file {stored_file.pk} has an unknown content type {stored_file.content_type!r}")


# ---------------------------------------------------------------------------------------------------
# The citizen's document store (Decree 45/2020 art. 10 and Decree 118/2025: results are digitised and
# kept so that a later dossier reuses them instead of asking for a new copy).


def store_for_citizen(personal_id: str, name: str, stored_file: StoredFile, dossier_code: str, issued_at: dt.datetime) -> CitizenDocument:
    """File a digitised result in its holder's store. Storing the same file from the same dossier again
    returns the existing entry, so returning a result twice never shows the citizen two copies."""
    personal_id = (personal_id or "").strip()
    name = " ".join((name or "").split())
    errors = {}
    if not _PERSONAL_ID.match(personal_id):
        errors["personal_id"] = ValidationError(_("A personal identification number has 12 digits."), code="invalid_personal_id")
    if not name:
        errors["name"] = ValidationError(_("The document needs a name."), code="required")
    if stored_file is None or stored_file.pk is None:
        errors["file"] = ValidationError(_("The document needs a stored file."), code="required")
    if issued_at is None or timezone.is_naive(issued_at):
        errors["issued_at"] = ValidationError(_("The issue time needs a time zone."), code="naive_datetime")
    if errors:
        raise ValidationError(errors)
    name = name[: CitizenDocument._meta.get_field("name").max_length]
    dossier_code = (dossier_code or "").strip()
    document, _created = CitizenDocument.objects.get_or_create(
        personal_id=personal_id, file=stored_file, source_dossier_code=dossier_code,
        defaults={"name": name, "issued_at": issued_at},
    )
    return document


__all__ = [
    "DocumentError", "DocumentErrorCode", "documents_of", "max_upload_bytes", "reuse_count", "open_stored", "storage_path",
    "store_for_citizen", "store_generated", "store_upload",
]
