"""Admin for configuring a centre's queue (service groups, counters) and for looking at tickets. Tickets are
read-only: every change to one is a service call at the counter, with its visit recorded."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from congvu.queueing.models import Counter, ServiceGroup, Ticket, Transfer, Visit
from congvu.units.admin import ScopedAdminMixin


@admin.register(ServiceGroup)
class ServiceGroupAdmin(ScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit__path"
    list_display = ("prefix", "name", "unit", "position", "daily_limit", "active")
    list_display_links = ("prefix", "name")
    list_filter = ("active",)
    search_fields = ("name", "unit__name", "unit__code")
    autocomplete_fields = ("unit", "fields", "procedures")
    list_select_related = ("unit",)
    ordering = ("unit__name", "position", "prefix")


class CounterForm(forms.ModelForm):
    class Meta:
        model = Counter
        fields = ("unit", "number", "name", "groups", "officer", "active")

    def clean(self):
        data = super().clean()
        unit = data.get("unit")
        if unit is not None:
            foreign = [g for g in data.get("groups") or [] if g.unit_id != unit.pk]
            if foreign:
                self.add_error("groups", _("These groups belong to another centre: %(groups)s") % {"groups": ", ".join(str(g) for g in foreign)})
        return data


@admin.register(Counter)
class CounterAdmin(ScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit__path"
    form = CounterForm
    list_display = ("__str__", "name", "unit", "officer", "active")
    list_filter = ("active",)
    search_fields = ("name", "unit__name", "unit__code")
    autocomplete_fields = ("unit", "groups", "officer")
    list_select_related = ("unit", "officer")
    ordering = ("unit__name", "number")


class VisitInline(admin.TabularInline):
    model = Visit
    fields = ("counter", "group", "officer", "waited_from", "called_at", "started_at", "ended_at", "outcome", "recalls")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TransferInline(admin.TabularInline):
    model = Transfer
    fields = ("at", "by", "from_counter", "to_counter", "to_group", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(ScopedAdminMixin, admin.ModelAdmin):
    unit_path = "unit__path"
    list_display = ("code", "day", "unit", "group", "status", "counter", "issued_at", "first_called_at", "dossier")
    list_filter = ("status", "day")
    search_fields = ("code", "unit__code", "dossier__code")
    date_hierarchy = "day"
    list_select_related = ("unit", "group", "counter", "dossier")
    inlines = [VisitInline, TransferInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
