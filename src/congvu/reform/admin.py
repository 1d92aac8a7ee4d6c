"""Administration of PAR frameworks (criteria edited inline; the whole tree is validated before it is saved)
and of external indices. Frameworks are usually loaded from a file on the PAR pages; here they are adjusted."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from congvu.reform.framework import FrameworkError, load_framework
from congvu.reform.models import AssessmentState, AuditEntry, Criterion, ExternalIndex, Framework
from congvu.reform.services import known_metrics


class CriterionFormSet(forms.BaseInlineFormSet):
    """Validates the framework as it will be after the save: sums of sub-criteria, areas against the total,
    bound metrics and their scoring. A framework with submitted assessments is frozen: changing a maximum under
    a unit's submitted points would change its result behind its back."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        framework = self.instance
        if framework.pk and framework.assessments.exclude(state=AssessmentState.DRAFT).exists() and self.has_changed():
            raise ValidationError(_("Units have already submitted assessments under this framework; its criteria can no longer change."))
        kept = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            c = form.instance
            kept.append(c)
        by_code = {c.code: c for c in kept}
        children: dict[str | None, list] = {}
        for c in sorted(kept, key=lambda c: (c.order, c.code)):
            parent_code = c.parent.code if c.parent_id and c.parent else None
            if parent_code is not None and parent_code not in by_code:
                raise ValidationError(_("Criterion %(code)s has a parent that is being removed.") % {"code": c.code})
            children.setdefault(parent_code, []).append(c)

        def node(c):
            data = {"code": c.code, "name": c.name, "max_points": c.max_points, "metric": c.metric, "scoring": c.scoring}
            if children.get(c.code):
                data["children"] = [node(k) for k in children[c.code]]
            return data

        data = {"name": framework.name, "year": framework.year, "target": framework.target, "total": framework.total_points,
                "bands": framework.bands, "areas": [node(c) for c in children.get(None, [])]}
        try:
            load_framework(data, known_metrics=known_metrics())
        except FrameworkError as error:
            raise ValidationError(error.messages) from None


class CriterionInline(admin.TabularInline):
    model = Criterion
    formset = CriterionFormSet
    fk_name = "framework"
    extra = 0
    fields = ("order", "code", "name", "parent", "max_points", "metric", "scoring", "guidance")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Criterion.objects.filter(framework_id=object_id).order_by("order") if object_id else Criterion.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("name", "year", "target", "total_points", "is_example", "published_at")
    list_filter = ("year", "target", "is_example")
    inlines = [CriterionInline]


@admin.register(ExternalIndex)
class ExternalIndexAdmin(admin.ModelAdmin):
    list_display = ("year", "kind", "unit", "score", "rank", "ranked_count", "source")
    list_filter = ("kind", "year")
    raw_id_fields = ("unit",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "framework", "assessment")
    list_filter = ("action",)
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
