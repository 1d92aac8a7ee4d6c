"""Admin pages for the decided days and office hours (configuration, edited by the reform office)."""

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import CalendarOverride, OfficeHours


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class ScopeFilter(admin.SimpleListFilter):
    title = _("scope")
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("installation", _("Whole installation")), ("unit", _("One unit"))]

    def queryset(self, request, queryset):
        if self.value() == "installation":
            return queryset.filter(unit__isnull=True)
        if self.value() == "unit":
            return queryset.filter(unit__isnull=False)
        return queryset


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "scope", "reason", "decision"]
    list_filter = [YearFilter, "kind", ScopeFilter]
    search_fields = ["reason", "decision_number", "unit__name", "unit__code"]
    date_hierarchy = "date"
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["date", "kind", "unit", "reason"]}),
        (_("Deciding document"), {"fields": ["decision_number", "decision_date"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("weekday"))
    def weekday(self, obj: CalendarOverride) -> str:
        return date_format(obj.date, "l")

    @admin.display(description=_("scope"), ordering="unit__name")
    def scope(self, obj: CalendarOverride) -> str:
        return str(obj.unit) if obj.unit_id else _("Whole installation")

    @admin.display(description=_("decision"), ordering="decision_number")
    def decision(self, obj: CalendarOverride) -> str:
        if obj.decision_date:
            return _("%(number)s of %(date)s") % {"number": obj.decision_number, "date": obj.decision_date.strftime("%d/%m/%Y")}
        return obj.decision_number


@admin.register(OfficeHours)
class OfficeHoursAdmin(admin.ModelAdmin):
    list_display = ["scope", "weekday", "start", "end"]
    list_filter = ["weekday", ScopeFilter]
    search_fields = ["unit__name", "unit__code"]
    autocomplete_fields = ["unit"]
    list_select_related = ["unit"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["unit", "weekday", "start", "end", "created_at", "updated_at"]

    @admin.display(description=_("scope"), ordering="unit__name")
    def scope(self, obj: OfficeHours) -> str:
        return str(obj.unit) if obj.unit_id else _("Installation default")
