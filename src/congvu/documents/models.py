"""Files congvu keeps: scans of submitted documents and result documents, checked by content, named by
their SHA-256 (never by a path a user typed), and the citizen's store of digitised results for reuse."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """One upload (or one generated document). Rows with the same content share one blob in the storage:
    the blob is named by the hash, the row keeps this upload's display name and uploader."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    original_name = models.CharField(_("file name"), max_length=255, help_text=_("As uploaded, cleaned; for display only."))
    storage_name = models.CharField(_("storage path"), max_length=255, db_index=True, help_text=_("Path inside the storage, derived from the hash."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.original_name


class CitizenDocument(models.Model):
    """A digitised result kept for its holder (keyed by personal ID), so a later dossier can attach it
    instead of a new scan."""

    personal_id = models.CharField(_("personal identification number"), max_length=12, db_index=True)
    name = models.CharField(_("document"), max_length=255)
    file = models.ForeignKey(StoredFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="citizen_documents")
    source_dossier_code = models.CharField(_("from dossier"), max_length=60, blank=True)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("citizen's document")
        verbose_name_plural = _("citizen's documents")
        ordering = ["personal_id", "-issued_at"]
        constraints = [
            # Returning a result twice must not file it twice in the holder's store.
            models.UniqueConstraint(fields=["personal_id", "file", "source_dossier_code"], name="citizen_document_once_per_dossier"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.personal_id})"
