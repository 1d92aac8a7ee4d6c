"""Admin: stored files are evidence (a scan a dossier was decided on), so they are shown, never edited or
deleted here; the citizen's store can be corrected (a wrong name) but its file stays the same."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from congvu.documents.models import CitizenDocument, StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "uploaded_at", "uploaded_by", "short_hash"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "=sha256"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["original_name", "content_type", "size", "sha256", "storage_name", "uploaded_by", "uploaded_at"]
    list_select_related = ["uploaded_by"]

    @admin.display(description=_("SHA-256 (start)"))
    def short_hash(self, obj: StoredFile) -> str:
        return obj.sha256[:12]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CitizenDocument)
class CitizenDocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "personal_id", "source_dossier_code", "issued_at"]
    search_fields = ["=personal_id", "name", "=source_dossier_code"]
    date_hierarchy = "issued_at"
    raw_id_fields = ["file"]
    list_select_related = ["file"]

    def get_readonly_fields(self, request, obj=None):
        # The file and holder of an existing entry are what a later reuse points to: changing them would
        # make past dossiers say they reused a different document.
        return ["personal_id", "file", "source_dossier_code"] if obj is not None else []
