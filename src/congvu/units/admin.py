"""Admin for the unit tree, job positions and staff profiles (inline on the user)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from congvu.core.text import search_terms
from congvu.units import selectors, services
from congvu.units.models import JobPosition, StaffProfile, Unit


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("historical", _("Historical (merged or dissolved)"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(selectors.active_q())
        if self.value() == "historical":
            return queryset.filter(valid_to__lt=timezone.localdate())
        return queryset


class ScopedAdminMixin:
    """Non-superusers (e.g. a reform office) work on the units they may see, nothing else."""

    unit_path = "path"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = selectors.scope_of(request.user)
        return qs if scope.everything else qs.filter(scope.q(self.unit_path.removesuffix("path")))


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ["name", "code", "kind", "official_code", "identifier", "valid_from", "valid_to", "successor"]
    list_filter = ["kind", ValidityFilter]
    search_fields = ["name", "code", "official_code", "identifier"]
    autocomplete_fields = ["successor"]
    list_select_related = ["successor"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "code", "kind"]}),
        (_("Codes"), {"fields": ["official_code", "identifier"]}),
        (_("Validity and history"), {"fields": ["valid_from", "valid_to", "successor"]}),
        (_("Contact"), {"fields": ["address", "phone"]}),
        (_("Place in the tree"), {"fields": ["treebeard_position", "treebeard_ref_node"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        # Units are ended (valid_to, successor), not deleted: deleting one would delete its whole subtree.
        # Superusers keep the power to remove a unit created by mistake.
        return request.user.is_superuser

    def get_search_results(self, request, queryset, search_term):
        # Search the folded column, so "phuong hoan kiem" finds "Phường Hoàn Kiếm" here too.
        for term in search_terms(search_term):
            queryset = queryset.filter(search_text__contains=term)
        return queryset, False


@admin.register(JobPosition)
class JobPositionAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Who works where, for the reform office (which may look, not edit: accounts are edited on the user)."""

    unit_path = "unit__path"
    list_display = ["__str__", "unit", "role", "job_position", "is_head", "reports_to"]
    list_filter = ["role", "is_head"]
    list_select_related = ["user", "unit", "job_position"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name", "unit__code"]
    autocomplete_fields = ["unit", "job_position", "reports_to"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.apply_role_access(obj.user)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    fk_name = "user"
    autocomplete_fields = ["unit", "job_position", "reports_to"]
    verbose_name_plural = _("staff profile")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "get_full_name", "staff_role", "staff_unit", "is_active", "is_staff"]
    list_select_related = ["staff_profile__unit"]
    list_filter = [*DjangoUserAdmin.list_filter, "staff_profile__role"]

    @admin.display(description=_("role"), ordering="staff_profile__role")
    def staff_role(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.get_role_display() if profile else "—"

    @admin.display(description=_("unit"), ordering="staff_profile__unit__name")
    def staff_unit(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.unit if profile else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Admin access follows the role chosen in the inline (see services.apply_role_access).
        services.apply_role_access(form.instance)
