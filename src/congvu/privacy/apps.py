from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Personal data protection (Decree 13/2023/NĐ-CP): masking, the log of full-record views, citizens'
    data requests and exports, retention periods and the purge that keeps the statistics."""

    name = "congvu.privacy"
    label = "privacy"
    verbose_name = "Bảo vệ dữ liệu cá nhân"
