"""Admin for evaluation frameworks (a version per row, its JSON definition validated with Vietnamese messages)
and their assignment to units and years. Sheets are changed only through the pages and services, which keep
the workflow and its events; the admin shows them read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from congvu.evaluation.models import Assignment, Framework, Sheet, SheetEvent


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "decision", "effective_from", "is_active"]
    list_filter = ["is_active", "code"]
    search_fields = ["name", "code", "decision"]
    readonly_fields = ["code", "version", "name", "decision", "effective_from", "created_at"]
    fields = ["code", "version", "name", "decision", "effective_from", "is_active", "definition", "created_at"]

    def has_delete_permission(self, request, obj=None):
        # A version that scored a sheet is evidence of how it was scored.
        return obj is None or not obj.sheets.exists()


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "framework", "include_subunits", "quota_exception"]
    list_filter = ["year", "framework"]
    autocomplete_fields = ["unit"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "framework"]


class EventInline(admin.TabularInline):
    model = SheetEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_state", "to_state", "reason", "data"]
    fields = readonly_fields
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sheet)
class SheetAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "state", "points", "band"]
    list_filter = ["state", "year", "month"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    list_select_related = ["user", "unit"]
    inlines = [EventInline]

    def has_add_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        # A colleague's evaluation is personal (see access.py): only a superuser looks here, for support.
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
