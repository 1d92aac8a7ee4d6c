from django.contrib import admin

from congvu.accounts.models import AccountEvent


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The security log is read here, never written: no add, change or delete."""

    list_display = ("at", "action", "subject", "actor", "token", "detail")
    list_filter = ("action",)
    list_select_related = ("subject", "actor", "token")
    search_fields = ("subject__username", "actor__username", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
