"""Read-mostly administration of emulation records; writes go through the pages and their services (which
check the rules and write the audit). Titles are configuration in data/, not rows."""

from django.contrib import admin

from congvu.emulation.models import AuditEntry, Award, CommendationDecision, Initiative, Movement, Proposal


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnly):
    list_display = ("name", "year", "organiser", "state")
    list_filter = ("year", "state")


@admin.register(Initiative)
class InitiativeAdmin(ReadOnly):
    list_display = ("title", "unit", "year", "scope", "decision_number")
    list_filter = ("year", "scope")


@admin.register(Proposal)
class ProposalAdmin(ReadOnly):
    list_display = ("unit", "year", "state", "provisional", "computed_at", "submitted_at")
    list_filter = ("year", "state")


class AwardInline(admin.TabularInline):
    model = Award
    fields = ("title", "user", "unit", "amount")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(CommendationDecision)
class DecisionAdmin(ReadOnly):
    list_display = ("number", "date", "issuer", "year", "signer")
    list_filter = ("year",)
    inlines = [AwardInline]


@admin.register(AuditEntry)
class AuditAdmin(ReadOnly):
    list_display = ("at", "actor", "action", "subject")
    list_filter = ("action",)
