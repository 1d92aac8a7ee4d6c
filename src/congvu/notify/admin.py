"""Admin: the notification templates (edited here, checked before saving) and a read-only view of the
outbox with a retry action for failed messages. The staff pages under /staff/notify/ show the same outbox
with filters and an Excel export."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from congvu.notify.defaults import VARIABLES
from congvu.notify.models import Channel, NotificationTemplate, OutboxMessage, Status
from congvu.notify.rendering import check_template, preview
from congvu.notify.services import NotifyError, retry_message


class NotificationTemplateForm(forms.ModelForm):
    class Meta:
        model = NotificationTemplate
        fields = ["kind", "channel", "enabled", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "cols": 100})}

    def clean(self):
        cleaned = super().clean()
        kind, channel = cleaned.get("kind"), cleaned.get("channel")
        if not kind:
            return cleaned
        subject = cleaned.get("subject") or ""
        if channel == Channel.EMAIL and not subject.strip():
            self.add_error("subject", _("An e-mail needs a subject."))
        elif channel == Channel.SMS and subject.strip():
            self.add_error("subject", _("An SMS has no subject; leave this empty."))
        elif subject:
            try:
                check_template(kind, subject, field="subject")
            except ValidationError as exc:
                self.add_error("subject", exc)
        if cleaned.get("body") is not None:
            try:
                check_template(kind, cleaned["body"])
            except ValidationError as exc:
                self.add_error("body", exc)
        return cleaned


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    form = NotificationTemplateForm
    list_display = ("kind", "channel", "enabled", "subject", "updated_at")
    list_filter = ("kind", "channel", "enabled")
    readonly_fields = ("variables", "sample")
    fields = ("kind", "channel", "enabled", "subject", "body", "variables", "sample")

    @admin.display(description=_("variables you can use"))
    def variables(self, obj):
        if obj is None or not obj.kind:
            return _("Save the template once to see the variables of its kind.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li><code>{{{{ {} }}}}</code> — {}</li>", ((name, label) for name, label in VARIABLES.get(obj.kind, {}).items())),
        )

    @admin.display(description=_("with sample values"))
    def sample(self, obj):
        if obj is None or not obj.pk:
            return "—"
        try:
            subject, body = preview(obj.kind, obj.subject, obj.body)
        except Exception as exc:  # noqa: BLE001 - a stored template that no longer renders is shown, not raised
            return format_html("<strong>{}</strong> {}", _("Cannot be rendered:"), exc)
        return format_html('<div><strong>{}</strong></div><pre style="white-space:pre-wrap">{}</pre>', subject, body)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "kind", "channel", "recipient", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "channel", "kind", "transport")
    search_fields = ("idempotency_key", "recipient", "dossier__code")
    list_select_related = ("dossier",)
    actions = ["retry_selected"]
    exclude = ("search_text", "claim_token")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        # The rows are read-only here; retrying is a service call that needs the model's change permission.
        return request.user.has_perm("notify.change_outboxmessage")

    @admin.action(description=_("Send the selected failed messages again"), permissions=["retry"])
    def retry_selected(self, request, queryset):
        done = refused = 0
        not_dead = queryset.exclude(status=Status.DEAD).count()  # counted before the retries change their status
        for pk in queryset.filter(status=Status.DEAD).values_list("pk", flat=True):
            try:
                retry_message(pk, by=request.user)
                done += 1
            except NotifyError:
                refused += 1
        skipped = not_dead + refused
        if done:
            self.message_user(request, ngettext("%(count)d message queued again.", "%(count)d messages queued again.", done) % {"count": done}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request, ngettext("%(count)d message was not in the failed state and was left as it is.",
                                  "%(count)d messages were not in the failed state and were left as they are.", skipped) % {"count": skipped},
                messages.WARNING,
            )
