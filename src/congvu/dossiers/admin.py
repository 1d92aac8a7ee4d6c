"""Admin for dossiers: read-only. Every change to a dossier is a service call with its event; the admin
only looks (events are append-only, and editing the cached row would be drift verify_dossiers reports)."""

from django.contrib import admin

from congvu.dossiers.models import Dossier, DossierEvent, DossierStep, IntakeRecord
from congvu.units.models import ApiToken


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = DossierStep
    fields = ("position", "name", "unit", "status", "assignee", "share", "started_at", "due_at", "finished_at", "overran")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = DossierEvent
    fields = ("seq", "action", "actor_name", "at", "from_state", "to_state", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ("code", "state", "receiving_unit", "received_at", "due_at", "timeliness")
    list_filter = ("state", "timeliness", "channel")
    search_fields = ("code",)
    list_select_related = ("receiving_unit",)
    inlines = [StepInline, EventInline]


@admin.register(DossierEvent)
class DossierEventAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "seq", "action", "actor_name", "at", "from_state", "to_state")
    list_select_related = ("dossier",)
    search_fields = ("dossier__code",)


@admin.register(IntakeRecord)
class IntakeRecordAdmin(ReadOnlyAdmin):
    list_display = ("letter_number", "unit", "outcome", "at")
    list_select_related = ("unit",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only here. Tokens are issued and revoked on the staff page (congvu.accounts: /staff/accounts/khoa-api/),
    which shows a new token's value in its own answer only: issuing here put the value in a Django message, which
    travels in a signed but readable cookie (or the session table) until it is shown."""

    list_display = ("name", "unit", "acts_as", "scopes", "created_at", "expires_at", "last_used_at", "last_used_ip", "revoked_at")
    list_select_related = ("unit", "acts_as")
    fields = ("name", "unit", "acts_as", "scopes", "created_at", "created_by", "expires_at", "revoked_at", "revoked_by", "last_used_at", "last_used_ip")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: past calls stay attributable
