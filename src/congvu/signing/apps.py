from django.apps import AppConfig


class SigningConfig(AppConfig):
    """Digital signatures on the documents congvu issues (PAdES), the units' certificates, and the public
    page that checks a signed PDF."""

    name = "congvu.signing"
    label = "signing"
    verbose_name = "Chữ ký số"
