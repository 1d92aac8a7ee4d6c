"""Admin: the configuration (deadline rules, rating schemes) is edited here; feedback and ratings are only
looked at, because every change to them is a service call with its history entry."""

from django.contrib import admin

from congvu.feedback.models import (
    Feedback, FeedbackDeadlines, FeedbackEvent, OfficialSurveyResult, Rating, RatingAnswer, RatingScheme, SipasSettings,
)


@admin.register(FeedbackDeadlines)
class FeedbackDeadlinesAdmin(admin.ModelAdmin):
    list_display = ("effective_from", "refuse_days", "request_info_days", "answer_days", "publish_days", "legal_basis")
    ordering = ("-effective_from",)

    def get_readonly_fields(self, request, obj=None):
        # Feedback was timed by these numbers; new rules get a new row from a later day.
        if obj is not None and Feedback.objects.filter(deadlines=obj).exists():
            return ("effective_from", "refuse_days", "request_info_days", "answer_days", "publish_days")
        return ()

    def has_delete_permission(self, request, obj=None):
        # Feedback keeps the rules it was judged by (PROTECT); rules never used may go.
        if obj is not None and Feedback.objects.filter(deadlines=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(RatingScheme)
class RatingSchemeAdmin(admin.ModelAdmin):
    list_display = ("effective_from", "name", "scale_max", "satisfied_at_least", "dislike_at_most", "aggregation")
    ordering = ("-effective_from",)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.ratings.exists():
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A scale that ratings were given on cannot change under them; add a new scheme from a later day instead.
        if obj is not None and obj.ratings.exists():
            return ("effective_from", "scale_max", "satisfied_at_least", "dislike_at_most")
        return ()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = FeedbackEvent
    fields = ("seq", "action", "actor_name", "at", "from_state", "to_state", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ("code", "state", "responsible_unit", "received_at", "due_at", "late", "verdict")
    list_filter = ("state", "channel", "subject_kind", "late", "verdict", "upheld")
    search_fields = ("code",)
    list_select_related = ("responsible_unit",)
    inlines = [EventInline]


class AnswerInline(admin.TabularInline):
    model = RatingAnswer
    fields = ("question", "value")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("dossier", "receiving_unit", "officer", "submitted_at", "mean_score", "dislike")
    list_filter = ("dislike",)
    search_fields = ("dossier__code",)
    list_select_related = ("dossier", "receiving_unit", "officer")
    inlines = [AnswerInline]


@admin.register(SipasSettings)
class SipasSettingsAdmin(admin.ModelAdmin):
    list_display = ("effective_from", "name", "overall", "min_sample", "legal_basis")
    ordering = ("-effective_from",)


@admin.register(OfficialSurveyResult)
class OfficialSurveyResultAdmin(admin.ModelAdmin):
    """Imported through the staff page (all or nothing, with the template); corrected here one row at a time."""

    list_display = ("year", "unit", "factor", "value", "sample_size", "source", "imported_at")
    list_filter = ("year", "factor")
    search_fields = ("unit__code", "unit__name", "source")
    list_select_related = ("unit",)
    raw_id_fields = ("unit",)
    readonly_fields = ("imported_by", "imported_at")

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        obj.imported_by = request.user
        obj.imported_at = timezone.now()
        super().save_model(request, obj, form, change)
