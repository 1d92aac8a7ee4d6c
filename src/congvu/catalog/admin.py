"""Administration of the catalogue: where an administrator completes what the portal leaves out.

Every save of an existing version states a reason and writes one ProcedureChange row per field changed (the
version's own fields and those of its documents, fees, results and workflow steps), then recomputes whether
the version can receive dossiers. Django's own LogEntry is kept too; ProcedureChange is the structured,
queryable trail shown under each version and in its own list.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from congvu.catalog import services
from congvu.catalog.errors import WorkflowError
from congvu.catalog.models import (
    ChangeSource,
    ChannelInfo,
    Fee,
    Field,
    IncompletenessReason,
    LegalBasis,
    Procedure,
    ProcedureChange,
    ProcedureVersion,
    RequiredDocument,
    ResultDocument,
    VersionLevel,
    VersionNote,
    WorkflowStep,
)
from congvu.core.text import fold


class ProcedureVersionForm(forms.ModelForm):
    # Portal pages are served over HTTPS; a scheme-less address typed by an administrator means https.
    source_url = forms.URLField(label=_("source"), required=False, max_length=500, assume_scheme="https")
    change_reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text=_("The document or rule the change follows (e.g. the People's Council resolution setting the fee); recorded with the change."),
    )

    class Meta:
        model = ProcedureVersion
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("change_reason") or "").strip():
            self.add_error("change_reason", _("State why the version is changed; the reason is recorded with the change."))
        unit = cleaned.get("time_limit_unit")
        if cleaned.get("fast_track") and unit != "working_hours":
            self.add_error("fast_track", _("Fast track applies only to a time limit in working hours."))
        if cleaned.get("time_limit_unit_confirmed") and not unit:
            self.add_error("time_limit_unit_confirmed", _("Choose the unit before confirming it."))
        return cleaned


class RecordingInlineFormSet(BaseInlineFormSet):
    """Collects (field, old, new) for the rows an administrator adds, edits or deletes.

    Old values are read back from the database: by the time the formset is valid, each form's instance
    already holds the new values, and `form.initial` has raw keys (a unit's id, not its name)."""

    def collected_changes(self, prefix: str) -> list[tuple[str, object, object]]:
        changes = []
        for form in self.initial_forms:
            before = self.model.objects.filter(pk=form.instance.pk).first()
            if before is None:
                continue
            where = f"{prefix}[{getattr(before, 'position', before.pk)}]"
            if self.can_delete and self._should_delete_form(form):
                changes.append((where, str(before), None))
                continue
            for name in form.changed_data:
                changes.append((f"{where}.{name}", getattr(before, name), form.cleaned_data.get(name)))
        for form in self.extra_forms:
            if form.has_changed() and not (self.can_delete and self._should_delete_form(form)):
                data = form.cleaned_data
                changes.append((f"{prefix}[+]", None, data.get("name") or data.get("text") or data.get("level") or data.get("channel") or ""))
        return changes


class WorkflowStepFormSet(RecordingInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        groups: dict = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or (not form.has_changed() and not form.instance.pk):
                continue
            groups.setdefault(data.get("unit"), []).append(
                services.StepInput(data.get("name") or "", data.get("share"), data.get("role") or "", data.get("unit_kind") or "")
            )
        for unit, steps in groups.items():
            try:
                services.validate_workflow(self.instance, steps, unit)
            except WorkflowError as exc:
                prefix = f"{unit}: " if unit else ""
                raise ValidationError(prefix + exc.message) from exc


class DocumentInline(admin.TabularInline):
    model = RequiredDocument
    formset = RecordingInlineFormSet
    extra = 0
    fields = ("position", "name", "group", "heading", "originals", "copies")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("name", "heading"):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class FeeInline(admin.StackedInline):
    model = Fee
    formset = RecordingInlineFormSet
    extra = 0
    fields = (("position", "name"), ("amount_vnd", "raw"), "amount_basis", ("applies_in_person", "applies_online", "applies_post"), "note")


class ResultInline(admin.TabularInline):
    model = ResultDocument
    formset = RecordingInlineFormSet
    extra = 0
    fields = ("position", "name")


class LegalBasisInline(admin.TabularInline):
    model = LegalBasis
    formset = RecordingInlineFormSet
    extra = 0
    fields = ("position", "text")


class LevelInline(admin.TabularInline):
    model = VersionLevel
    formset = RecordingInlineFormSet
    extra = 0


class ChannelInline(admin.TabularInline):
    model = ChannelInfo
    formset = RecordingInlineFormSet
    extra = 0
    fields = ("position", "channel", "label", "time_raw", "fee_raw", "fee_note")


class NoteInline(admin.TabularInline):
    model = VersionNote
    formset = RecordingInlineFormSet
    extra = 0
    fields = ("position", "text")


class WorkflowStepInline(admin.TabularInline):
    model = WorkflowStep
    formset = WorkflowStepFormSet
    extra = 0
    fields = ("unit", "position", "name", "role", "unit_kind", "share")
    raw_id_fields = ("unit",)


class GapInline(admin.TabularInline):
    model = IncompletenessReason
    extra = 0
    can_delete = False
    fields = ("code", "field_path", "detail")
    readonly_fields = fields
    verbose_name_plural = _("Missing information (recomputed on save)")

    def has_add_permission(self, request, obj=None):
        return False


class ChangeInline(admin.TabularInline):
    model = ProcedureChange
    extra = 0
    can_delete = False
    fields = ("at", "actor_name", "source", "field_path", "old_value", "new_value", "reason")
    readonly_fields = fields
    ordering = ("-at", "-id")
    verbose_name_plural = _("Recorded changes")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    form = ProcedureVersionForm
    list_display = ("procedure", "number", "name", "field", "status", "effective_from", "time_limit_value", "time_limit_unit", "is_complete")
    list_filter = ("is_complete", "status", "field", "time_limit_unit", "levels__level")
    search_fields = ("procedure__code", "search_text")
    list_select_related = ("procedure", "field")
    raw_id_fields = ("procedure",)
    filter_horizontal = ("linked_procedures",)
    readonly_fields = ("is_complete", "created_at")
    inlines = [GapInline, LevelInline, DocumentInline, FeeInline, ResultInline, LegalBasisInline, ChannelInline, NoteInline, WorkflowStepInline, ChangeInline]
    fieldsets = (
        (None, {"fields": ("procedure", "number", "status", "name", "field", "is_complete")}),
        (_("Publishing decision"), {"fields": ("decision_number", "decision_date", "effective_from")}),
        (_("Time limit"), {"fields": (("time_limit_value", "time_limit_unit", "time_limit_unit_confirmed"), "time_limit_raw", ("same_day", "fast_track", "result_on_the_spot"))}),
        (_("Where and how"), {"fields": ("level_raw", "agency", ("online_level", "online_submission"), "linked_procedures")}),
        (_("Source"), {"fields": ("source_url", "source_snapshot", "verified", "created_at")}),
        (_("Change"), {"fields": ("change_reason",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        # Accent-insensitive like the public search: the stored column is folded, so fold the term too.
        return super().get_search_results(request, queryset, fold(search_term))

    def has_delete_permission(self, request, obj=None):
        # Dossiers keep the version they were received under: a version is abolished by a new one, never deleted.
        return False

    def save_model(self, request, obj, form, change):
        form.recorded_changes = []
        if change:
            before = ProcedureVersion.objects.get(pk=obj.pk)
            for name in form.changed_data:
                if name == "change_reason":
                    continue
                if name == "linked_procedures":
                    old = [p.code for p in before.linked_procedures.all()]
                    new = [p.code for p in form.cleaned_data[name]]
                else:
                    old, new = getattr(before, name), form.cleaned_data.get(name)
                form.recorded_changes.append((name, old, new))
        else:
            form.recorded_changes.append(("version", None, f"{obj.number} ({obj.get_status_display()})"))
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, RecordingInlineFormSet):
            prefix = formset.model._meta.model_name
            form.recorded_changes.extend(formset.collected_changes(prefix))
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        version = form.instance
        reason = (form.cleaned_data.get("change_reason") or "").strip()
        services.record_changes(version, form.recorded_changes, actor=request.user, reason=reason, source=ChangeSource.ADMIN)
        services.recompute_completeness(version, actor=request.user, reason=reason, source=ChangeSource.ADMIN if change else None)


class VersionInline(admin.TabularInline):
    model = ProcedureVersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("number", "name", "status", "effective_from", "is_complete")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "created_at")
    search_fields = ("code", "versions__search_text")
    inlines = [VersionInline]

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, fold(search_term))
        return queryset.distinct(), duplicates


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(ProcedureChange)
class ProcedureChangeAdmin(admin.ModelAdmin):
    list_display = ("at", "procedure", "version", "field_path", "old_value", "new_value", "actor_name", "source")
    list_filter = ("source", "at")
    search_fields = ("procedure__code", "field_path", "reason", "actor_name")
    date_hierarchy = "at"
    list_select_related = ("procedure", "version")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
