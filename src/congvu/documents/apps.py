from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Stored files (scans, results), their checks, and the citizen's document store for reuse."""

    name = "congvu.documents"
    label = "documents"
    verbose_name = "Tài liệu"
