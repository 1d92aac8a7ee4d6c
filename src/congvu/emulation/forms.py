"""Forms of the emulation pages: they check the shape of the input (numbers with a decimal comma, dates,
choices within the user's scope); the services check the rules."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.emulation.models import InitiativeScope
from congvu.emulation.services import CriterionSpec, parse_decimal
from congvu.emulation.titles import title_choices

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _year_field(**kwargs):
    return forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"}), **kwargs)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.get_full_name() or obj.user.username} ({obj.user.username}) — {obj.unit.name}"


class StaffMultipleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.get_full_name() or obj.user.username} ({obj.user.username}) — {obj.unit.name}"


class MovementForm(forms.Form):
    name = forms.CharField(label=_("Name of the movement"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"}))
    year = _year_field()
    start = forms.DateField(label=_("Starts on"), widget=DATE)
    end = forms.DateField(label=_("Ends on"), widget=DATE)
    organiser = UnitChoiceField(label=_("Organising unit"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    description = forms.CharField(label=_("Content and goals"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))
    criteria = forms.CharField(
        label=_("Criteria"), widget=forms.Textarea(attrs={"class": "form-control", "rows": 5}),
        help_text=_("One criterion a line: code | name | maximum points, e.g. “1 | Dossiers on time | 40”."))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = units

    def clean_criteria(self):
        specs, errors = [], []
        for number, line in enumerate(self.cleaned_data["criteria"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3:
                errors.append(_("Line %(n)s: write code | name | maximum points.") % {"n": number})
                continue
            try:
                points = parse_decimal(parts[2])
            except ValidationError:
                points = None
            if points is None or points <= 0:
                errors.append(_("Line %(n)s: the maximum points must be a number above 0.") % {"n": number})
                continue
            specs.append(CriterionSpec(parts[0], parts[1], points))
        if errors:
            raise ValidationError(errors)
        if not specs:
            raise ValidationError(_("Enter at least one criterion."))
        return specs


class RegisterForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    person = forms.ChoiceField(label=_("Staff member"), required=False, widget=forms.Select(attrs={"class": "form-select"}),
                               help_text=_("Leave empty to register the unit itself."))
    commitment = forms.CharField(label=_("Written commitment"), widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))

    def __init__(self, *args, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["person"].choices = [("", _("— the unit itself —"))] + [
            (p.user.username, f"{p.user.get_full_name() or p.user.username} ({p.user.username}) — {p.unit.name}") for p in staff]


class ScoreForm(forms.Form):
    def __init__(self, *args, criteria, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            score = scores.get(c.pk)
            self.fields[f"p_{c.code}"] = forms.CharField(
                label=f"{c.code}. {c.name}", required=False, max_length=12,
                initial=f"{score.points.normalize():f}".replace(".", ",") if score else "",
                help_text=_("0 to %(max)s") % {"max": f"{c.max_points.normalize():f}".replace(".", ",")},
                widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "decimal"}))
            self.fields[f"n_{c.code}"] = forms.CharField(label=_("Note on %(code)s") % {"code": c.code}, required=False, max_length=500,
                                                         initial=score.note if score else "", widget=forms.TextInput(attrs={"class": "form-control"}))

    def clean(self):
        data = super().clean()
        for c in self.criteria:
            try:
                data[f"p_{c.code}"] = parse_decimal(data.get(f"p_{c.code}") or "")
            except ValidationError as error:
                self.add_error(f"p_{c.code}", error)
        return data

    def points(self) -> dict[str, tuple[Decimal | None, str]]:
        return {c.code: (self.cleaned_data[f"p_{c.code}"], self.cleaned_data.get(f"n_{c.code}", "")) for c in self.criteria}

    def rows(self):
        return [(c, self[f"p_{c.code}"], self[f"n_{c.code}"]) for c in self.criteria]


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Title of the initiative"), max_length=400, widget=forms.TextInput(attrs={"class": "form-control"}))
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}))
    unit = UnitChoiceField(label=_("Unit"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    year = _year_field()
    authors = StaffMultipleField(label=_("Authors"), queryset=None, widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}),
                                 help_text=_("Hold Ctrl (or Shift) to choose several."))

    def __init__(self, *args, units, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["authors"].queryset = staff


class RecogniseForm(forms.Form):
    scope = forms.ChoiceField(label=_("Scope of effect"), choices=InitiativeScope.choices, widget=forms.Select(attrs={"class": "form-select"}))
    recognised_by = forms.CharField(label=_("Recognised by"), max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control"}),
                                    help_text=_("The council or authority that recognised it."))
    decision_number = forms.CharField(label=_("Decision number"), max_length=60, widget=forms.TextInput(attrs={"class": "form-control"}))
    decision_date = forms.DateField(label=_("Decision date"), widget=DATE)


class AdjustForm(forms.Form):
    proposed = forms.TypedChoiceField(label=_("Propose"), coerce=lambda v: v == "yes", choices=[("yes", _("Propose")), ("no", _("Do not propose"))],
                                      widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=1000,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))


class DecisionForm(forms.Form):
    number = forms.CharField(label=_("Decision number"), max_length=60, widget=forms.TextInput(attrs={"class": "form-control"}))
    date = forms.DateField(label=_("Decision date"), widget=DATE)
    signer = forms.CharField(label=_("Signed by"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}),
                             help_text=_("Name and position of the signer."))
    issuer = UnitChoiceField(label=_("Issuing unit"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    year = _year_field()
    note = forms.CharField(label=pgettext_lazy("decision", "Note"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}))
    extra = forms.CharField(
        label=_("Other awards"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
        help_text=_("One a line: the staff member's login name or a unit code, then “|”, then the title code, e.g. “chuyenvien.badinh | giay_khen”."))

    def __init__(self, *args, units, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = units
        self.lines = list(lines)
        if self.lines:
            self.fields["lines"] = forms.MultipleChoiceField(
                label=_("Proposed awards"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(str(ln.pk), ln.pk) for ln in self.lines], initial=[str(ln.pk) for ln in self.lines])
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def extra_lines(self) -> list[tuple[str, str]]:
        out, errors = [], []
        for number, raw in enumerate((self.cleaned_data.get("extra") or "").splitlines(), start=1):
            if not raw.strip():
                continue
            parts = [p.strip() for p in raw.split("|")]
            if len(parts) != 2 or not all(parts):
                errors.append(_("Line %(n)s: write the login name or unit code | the title code.") % {"n": number})
                continue
            out.append((parts[0], parts[1]))
        if errors:
            raise ValidationError(errors)
        return out


class RegisterFilterForm(forms.Form):
    SORTS = [("-date", _("Newest decision first")), ("date", _("Oldest decision first")), ("number", _("Decision number")),
             ("title", _("Title")), ("unit", _("Unit"))]
    KINDS = [("", _("Individuals and collectives")), ("individual", _("Individuals")), ("collective", _("Collectives"))]
    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"}))
    title = forms.ChoiceField(label=_("Title or commendation"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    kind = forms.ChoiceField(label=_("Recipients"), required=False, choices=KINDS, widget=forms.Select(attrs={"class": "form-select"}))
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].choices = [("", _("All"))] + title_choices()

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"q": d.get("q") or "", "year": d.get("year"), "title": d.get("title") or "", "kind": d.get("kind") or "",
                "sort": d.get("sort") or "-date"}


class InitiativeFilterForm(forms.Form):
    SCOPES = [("", _("All")), ("pending", _("Not recognised yet"))] + list(InitiativeScope.choices)
    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"}))
    scope = forms.ChoiceField(label=_("Recognition"), required=False, choices=SCOPES, widget=forms.Select(attrs={"class": "form-select"}))

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"q": d.get("q") or "", "year": d.get("year"), "scope": d.get("scope") or None}
