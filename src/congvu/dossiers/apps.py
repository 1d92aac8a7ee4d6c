from django.apps import AppConfig


class DossiersConfig(AppConfig):
    """The one-stop core: intake, processing steps across units, deadlines, letters, results and the audit log."""

    name = "congvu.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ"
