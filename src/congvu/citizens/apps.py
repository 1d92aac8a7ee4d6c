from django.apps import AppConfig


class CitizensConfig(AppConfig):
    """Citizens signed in through the national identity provider (OpenID Connect)."""

    name = "congvu.citizens"
    label = "citizens"
    verbose_name = "Công dân"
