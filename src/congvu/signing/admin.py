from django.contrib import admin

from congvu.signing.models import SigningAuthority, UnitCertificate


@admin.register(SigningAuthority)
class SigningAuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "is_demo", "not_before", "not_after", "fingerprint"]
    # Certificates and key files are made by the services (issue_demo_certificates); editing a PEM or a key
    # path by hand would break every signature, so the admin only shows them.
    readonly_fields = ["name", "certificate_pem", "fingerprint", "key_file", "not_before", "not_after", "is_demo", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(UnitCertificate)
class UnitCertificateAdmin(admin.ModelAdmin):
    list_display = ["unit", "serial", "not_before", "not_after", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["unit__name", "unit__code", "serial", "fingerprint"]
    raw_id_fields = ["unit"]
    readonly_fields = ["unit", "authority", "subject", "serial", "fingerprint", "certificate_pem", "key_file", "not_before", "not_after", "created_at"]

    def has_add_permission(self, request):
        return False
