from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "congvu.accounts"
    label = "accounts"
    verbose_name = _("Accounts and sign-in")

    def ready(self):
        from django.contrib import admin

        from congvu.accounts import signals  # noqa: F401  (connects the sign-in handlers)
        from congvu.accounts.views import admin_login

        # The admin's own login form would sign a leader in with a password alone: it sends people to the staff
        # sign-in, which asks for the second factor, and back.
        admin.site.login = admin_login
