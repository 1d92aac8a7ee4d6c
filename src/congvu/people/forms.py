"""Forms of the people pages: they check what was typed; the rules (scope, states, who may act) are the
services', whose ValidationErrors come back onto the fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.people.models import ChecklistTemplate, DisciplineForm, InspectionKind, InspectionState, Severity
from congvu.units.models import Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        name = " ".join(filter(None, [user.last_name, user.first_name])) or user.username
        profile = getattr(user, "staff_profile", None)
        return f"{name} ({user.username}{' — ' + profile.unit.name if profile is not None else ''})"


class UsersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return UserChoiceField.label_from_instance(self, user)


class UnitsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit):
        return f"{unit.name} ({unit.code})"


class Styled:
    """Bootstrap classes on every widget, so templates render fields with `as_field_group` (label, help text
    and errors tied to the input with aria-describedby)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown keys on the form itself)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


# ------------------------------------------------------------------------------------------------ filters


class _Filter(Styled, forms.Form):
    def values(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class PlanFilterForm(_Filter):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All"))] + list(InspectionKind.choices))
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("-start", _("Newest first")), ("start", _("Oldest first")),
                                                                        ("code", _("Code")), ("title", _("Title"))])


class InspectionFilterForm(_Filter):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All"))] + list(InspectionState.choices))
    violations = forms.BooleanField(label=_("With violations only"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("-date", _("Newest first")), ("date", _("Oldest first")),
                                                                        ("code", _("Code")), ("unit", _("Unit"))])


class ActionFilterForm(_Filter):
    status = forms.ChoiceField(label=_("Follow-up"), required=False, choices=[
        ("", _("All")), ("open", _("To be done")), ("overdue", _("Overdue")), ("reported", _("Reported, awaiting the inspector")), ("done", pgettext_lazy("follow-up", "Done"))])
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("deadline", _("Nearest deadline first")), ("-deadline", _("Latest deadline first")),
                                                                        ("unit", _("Unit"))])


class DisciplineFilterForm(_Filter):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    form = forms.ChoiceField(label=_("Form of discipline"), required=False, choices=[("", _("All"))] + list(DisciplineForm.choices))
    annulled = forms.BooleanField(label=_("Include annulled decisions"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("-date", _("Newest first")), ("date", _("Oldest first")),
                                                                        ("name", _("Name")), ("form", _("Form of discipline"))])


class CourseFilterForm(_Filter):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("-start", _("Newest first")), ("start", _("Oldest first")),
                                                                        ("name", _("Name")), ("hours", _("Most hours first"))])


# ------------------------------------------------------------------------------------------------ plans, inspections


class PlanForm(Styled, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices, widget=forms.RadioSelect)
    start_date = forms.DateField(label=_("From"), widget=DATE)
    end_date = forms.DateField(label=_("To date"), widget=DATE)
    units = UnitsField(label=_("Units to inspect"), queryset=Unit.objects.none(), to_field_name="code",
                       widget=forms.SelectMultiple(attrs={"size": 8}), help_text=_("Hold Ctrl (or Shift) to choose several."))
    team = UsersField(label=_("Inspection team"), queryset=None, required=False, to_field_name="username", widget=forms.CheckboxSelectMultiple,
                      help_text=_("You are always on the team."))
    team_leader = UserChoiceField(label=_("Team leader"), queryset=None, required=False, to_field_name="username", empty_label=_("Me"))
    checklist = forms.ModelChoiceField(label=_("Checklist"), queryset=ChecklistTemplate.objects.filter(is_active=True), empty_label=None)
    purpose = forms.CharField(label=_("Purpose and content"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=None, inspectors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units if units is not None else Unit.objects.none()
        self.fields["team"].queryset = inspectors
        self.fields["team_leader"].queryset = inspectors

    def clean(self):
        data = super().clean()
        if data.get("start_date") and data.get("end_date") and data["end_date"] < data["start_date"]:
            self.add_error("end_date", _("The end of the period cannot be before its start."))
        return data


class OpenInspectionForm(Styled, forms.Form):
    unit = forms.ModelChoiceField(label=_("Inspected unit"), queryset=Unit.objects.none(), to_field_name="code")
    date = forms.DateField(label=_("Inspection date"), widget=DATE)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class FindingForm(Styled, forms.Form):
    checklist_item = forms.ModelChoiceField(label=_("Checklist item"), queryset=None, required=False, empty_label=_("— another point (write it below) —"))
    label = forms.CharField(label=_("Point checked, if not on the checklist"), required=False, max_length=500)
    staff = UserChoiceField(label=_("Staff member concerned"), queryset=None, required=False, to_field_name="username",
                            empty_label=_("— the unit as a whole —"))
    is_violation = forms.TypedChoiceField(label=_("Result"), choices=[("1", _("Violation")), ("0", _("Complies / commendable"))],
                                          coerce=lambda v: v == "1", initial="1", widget=forms.RadioSelect)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MINOR)
    description = forms.CharField(label=_("What was found"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    files = forms.FileField(label=_("Evidence file (PDF, JPEG, PNG)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def __init__(self, *args, items=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].queryset = items
        self.fields["staff"].queryset = staff

    def clean(self):
        data = super().clean()
        if not data.get("checklist_item") and not (data.get("label") or "").strip():
            self.add_error("checklist_item", _("Choose a checklist item or describe what was checked."))
        return data


class EvidenceForm(Styled, forms.Form):
    files = forms.FileField(label=_("Evidence file (PDF, JPEG, PNG)"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)


class ActionForm(Styled, forms.Form):
    description = forms.CharField(label=_("Required action"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label=_("Deadline"), widget=DATE)
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=Unit.objects.none(), to_field_name="code", required=False,
                                  empty_label=_("— the inspected unit —"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()


class ConcludeForm(Styled, forms.Form):
    summary = forms.CharField(label=_("General assessment"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    conclusion = forms.CharField(label=_("Conclusion"), max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    notice_number = forms.CharField(label=_("Notice number"), required=False, max_length=60, help_text=_("Leave empty to number it from the record's code."))


class ReportForm(Styled, forms.Form):
    report = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(Styled, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept: the action is done")), ("return", _("Send back to the unit"))],
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


# ------------------------------------------------------------------------------------------------ discipline, training


class DisciplineRecordForm(Styled, forms.Form):
    staff = UserChoiceField(label=_("Staff member"), queryset=None, to_field_name="username")
    form = forms.ChoiceField(label=_("Form of discipline"), choices=DisciplineForm.choices)
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decision_date = forms.DateField(label=_("Decision date"), widget=DATE)
    signer = forms.CharField(label=_("Signed by"), max_length=200, help_text=_("Name and position of the signer."))
    effective_from = forms.DateField(label=_("Effective from"), required=False, widget=DATE, help_text=_("Empty: the decision date."))
    effective_to = forms.DateField(label=_("Effective until"), required=False, widget=DATE)
    reason = forms.CharField(label=_("Violation"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff


class AnnulForm(Styled, forms.Form):
    reason = forms.CharField(label=_("Reason and the decision that annulled it"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class CourseForm(Styled, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    organiser = forms.ModelChoiceField(label=_("Organising unit"), queryset=Unit.objects.none(), to_field_name="code")
    start_date = forms.DateField(label=_("From"), widget=DATE)
    end_date = forms.DateField(label=_("To date"), widget=DATE)
    hours = forms.DecimalField(label=_("Hours"), max_digits=6, decimal_places=1, min_value=0.5, max_value=2000, localize=True)
    topic = forms.CharField(label=pgettext_lazy("training", "Content"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = units if units is not None else Unit.objects.none()


class AttendanceForm(Styled, forms.Form):
    staff = UsersField(label=_("Staff members"), queryset=None, to_field_name="username", widget=forms.SelectMultiple(attrs={"size": 8}),
                       help_text=_("Hold Ctrl (or Shift) to choose several."))
    attended = forms.TypedChoiceField(label=_("Attendance"), choices=[("1", _("Attended")), ("0", _("Did not attend"))], coerce=lambda v: v == "1",
                                      initial="1", widget=forms.RadioSelect)
    completed_on = forms.DateField(label=_("Completed on"), required=False, widget=DATE, help_text=_("Empty: the last day of the course."))
    certificate_number = forms.CharField(label=_("Certificate number"), required=False, max_length=60)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff
