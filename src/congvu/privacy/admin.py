from django.contrib import admin

from congvu.privacy.models import PurgeRun, RetentionPolicy


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ("data_type", "months", "enabled", "note")
    list_editable = ("months", "enabled")
    fields = ("data_type", "months", "enabled", "note")

    def get_readonly_fields(self, request, obj=None):
        # The kinds are the ones the purge knows; an administrator changes periods, never invents kinds.
        return ("data_type",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PurgeRun)
class PurgeRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "finished_at", "dry_run", "run_by")
    readonly_fields = ("started_at", "finished_at", "dry_run", "run_by", "results")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
