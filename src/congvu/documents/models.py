"""Files congvu keeps: scans of submitted documents and result documents, checked by content, named by
their SHA-256 (never by a path a user typed), and the citizen's store of digitised results for reuse."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    original_name = models.CharField(_("file name"), max_length=255, help_text=_("As uploaded, cleaned; for display only."))
    storage_name = models.CharField(max_length=255, unique=True, help_text="Path inside the storage, derived from the hash.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

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
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="citizen_documents")
    source_dossier_code = models.CharField(_("from dossier"), max_length=60, blank=True)
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("citizen's document")
        verbose_name_plural = _("citizen's documents")
        ordering = ["personal_id", "-issued_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.personal_id})"
