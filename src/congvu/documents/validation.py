"""What an uploaded file is, judged by its bytes, and how its name may be shown.

The extension and the Content-Type a browser sends are whatever the sender chose; only the leading bytes
(the format's magic number) say what a reader will actually open. A ".pdf" that is a Windows program, a
ZIP or an HTML page is refused whatever it is called.
"""

import enum
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    extension: str
    content_type: str
    magic: bytes


# Only the formats a one-stop counter scans to or a citizen uploads from a phone (Decree 45/2020 on
# electronic filing accepts scans; congvu keeps it to formats every office PC can open safely).
FILE_TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("pdf", "PDF", "pdf", "application/pdf", b"%PDF-"),
        FileType("jpeg", "JPEG", "jpg", "image/jpeg", b"\xff\xd8\xff"),
        FileType("png", "PNG", "png", "image/png", b"\x89PNG\r\n\x1a\n"),
    )
}

MAX_NAME_LENGTH = 150
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UNSAFE = re.compile(r'[<>:"|?*]')
# Both slash kinds and their look-alikes (division slash, fraction slash, full-width solidus and reverse solidus),
# which some programs fold to a real separator when the file is saved.
_PATH_SEPARATORS = re.compile("[/\\\\\u2215\u2044\uff0f\uff3c]")
_SPACES = re.compile(r"\s+")


class DocumentErrorCode(enum.StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNSUPPORTED_TYPE = "unsupported_type"
    UNSAFE_ARCHIVE = "unsafe_archive"


class DocumentError(ValueError):
    """A file congvu will not keep. `code` is stable (API clients match on it); `message` is for people."""

    def __init__(self, code: DocumentErrorCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def sniff(head: bytes) -> FileType | None:
    """The type the leading bytes declare, or None when they match no accepted format."""
    for file_type in FILE_TYPES.values():
        if head.startswith(file_type.magic):
            return file_type
    return None


def format_size(n: int) -> str:
    """10485760 → "10 MB"; a limit is shown the way an office worker reads it."""
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")
    if n >= 1024:
        return f"{n // 1024} KB"
    return f"{n} B"


def check_content(head: bytes, size: int, *, allowed: tuple[str, ...], max_bytes: int) -> FileType:
    """The accepted type of a file whose first bytes are `head` and length is `size`, or a DocumentError."""
    unknown = [key for key in allowed if key not in FILE_TYPES]
    if unknown:
        raise ValueError(f"unknown file types in allowed: {unknown}")
    if size == 0:
        raise DocumentError(DocumentErrorCode.EMPTY, _("The file is empty."))
    if size > max_bytes:
        raise DocumentError(
            DocumentErrorCode.TOO_LARGE,
            _("The file is larger than %(limit)s, the largest size accepted.") % {"limit": format_size(max_bytes)},
        )
    file_type = sniff(head)
    if file_type is None or file_type.key not in allowed:
        labels = ", ".join(FILE_TYPES[key].label for key in allowed)
        raise DocumentError(
            DocumentErrorCode.UNSUPPORTED_TYPE,
            _("The file's content is not an accepted type. Accepted types: %(types)s.") % {"types": labels},
        )
    return file_type


def clean_name(name: str | None, *, fallback_extension: str = "") -> str:
    """A file name safe to show and to offer in a download header: the last path component only (both
    slash kinds, so "C:\\x\\a.pdf" and "../../etc/passwd.pdf" keep just "a.pdf" and "passwd.pdf"), no control
    characters, no characters Windows forbids, no leading dots, at most MAX_NAME_LENGTH characters with
    the extension kept."""
    text = unicodedata.normalize("NFC", name or "")
    text = _CONTROL.sub(" ", text)
    # Invisible format characters: a right-to-left override shows "hoa-don\u202efdp.exe" as "hoa-donexe.pdf".
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _PATH_SEPARATORS.split(text)[-1]
    text = _UNSAFE.sub("_", text)
    text = _SPACES.sub(" ", text).strip().lstrip(".").strip()
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            text = stem[: MAX_NAME_LENGTH - len(ext) - 1].rstrip() + "." + ext
        else:
            text = text[:MAX_NAME_LENGTH].rstrip()
    if not text:
        text = str(DEFAULT_NAME) + (f".{fallback_extension}" if fallback_extension else "")
    return text


DEFAULT_NAME = pgettext_lazy("name of a file whose own name was unusable", "document")


# An Excel workbook (.xlsx) is a ZIP of XML files. A "zip bomb" is a small ZIP that inflates to gigabytes:
# a reader that opens it fills memory or disk. The imports accept files of a few MB whose rows inflate about
# ten times; these limits are far above any real workbook and far below what harms the server.
ARCHIVE_MAX_MEMBERS = 2_000
ARCHIVE_MAX_BYTES = 100 * 1024 * 1024
ARCHIVE_MAX_RATIO = 200


def check_archive(raw: bytes, *, max_members: int = ARCHIVE_MAX_MEMBERS, max_bytes: int = ARCHIVE_MAX_BYTES,
                  max_ratio: int = ARCHIVE_MAX_RATIO) -> None:
    """Refuse a ZIP (an .xlsx before openpyxl opens it) that is not one, or that would inflate beyond the limits.

    Judged from the central directory (the sizes it declares) and then by inflating each member with a
    counting reader that stops at the limit, so a directory that lies about its sizes is caught as well."""
    unsafe = DocumentError(DocumentErrorCode.UNSAFE_ARCHIVE, _("The file is damaged or unsafe (a compressed file that inflates far beyond its size)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise DocumentError(DocumentErrorCode.UNSUPPORTED_TYPE, _("The file is not a valid Excel (.xlsx) file.")) from None
    if len(members) > max_members:
        raise unsafe
    budget = min(max_bytes, max(len(raw), 1) * max_ratio)
    if sum(m.file_size for m in members) > budget:
        raise unsafe
    total = 0
    try:
        for member in members:
            if member.is_dir():
                continue
            with archive.open(member) as stream:
                while chunk := stream.read(1024 * 1024):
                    total += len(chunk)
                    if total > budget:
                        raise unsafe
    except DocumentError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        # CRC mismatches, encrypted members, unknown compression: nothing a real workbook holds.
        raise DocumentError(DocumentErrorCode.UNSUPPORTED_TYPE, _("The file is not a valid Excel (.xlsx) file.")) from None
