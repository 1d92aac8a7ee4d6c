"""Admin: read-only views of the sync state of each dossier, its queued changes and every adapter call, with a
resend action. The staff pages under /staff/sync/ show the same with filters, payloads and an Excel export."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from congvu.sync.models import PortalCall, PortalChange, PortalSync, ResendRecord
from congvu.sync.services import SyncError, resend


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PortalSync)
class PortalSyncAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "state", "origin", "national_code", "attempts", "error_code", "last_acked_at", "next_attempt_at")
    list_filter = ("state", "origin")
    search_fields = ("dossier__code", "national_code")
    list_select_related = ("dossier",)
    exclude = ("claim_token",)
    actions = ["resend_selected"]

    def has_resend_permission(self, request):
        return request.user.has_perm("sync.change_portalsync")

    @admin.action(description=_("Send the selected dossiers to the portal again"), permissions=["resend"])
    def resend_selected(self, request, queryset):
        done = refused = 0
        for sync in queryset.select_related("dossier"):
            try:
                resend(sync.dossier, by=request.user)
                done += 1
            except SyncError:
                refused += 1
        if done:
            self.message_user(request, ngettext("%(count)d dossier queued again.", "%(count)d dossiers queued again.", done) % {"count": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request, ngettext("%(count)d dossier is being sent right now and was left as it is.",
                                  "%(count)d dossiers are being sent right now and were left as they are.", refused) % {"count": refused},
                messages.WARNING,
            )


@admin.register(PortalChange)
class PortalChangeAdmin(ReadOnlyAdmin):
    list_display = ("id", "dossier", "kind", "seq", "state", "attempts", "created_at", "acked_at")
    list_filter = ("state", "kind")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)
    exclude = ("claim_token",)


@admin.register(PortalCall)
class PortalCallAdmin(ReadOnlyAdmin):
    list_display = ("at", "service", "dossier", "http_status", "outcome", "duration_ms")
    list_filter = ("service", "outcome")
    search_fields = ("dossier__code",)
    list_select_related = ("dossier",)


@admin.register(ResendRecord)
class ResendRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "dossier", "by", "previous_state", "retried_changes", "full_resend")
    list_select_related = ("dossier", "by")
