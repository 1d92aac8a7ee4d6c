"""Forms of the PAR pages. They check what a person typed; the rules (maxima, locks, who may act) are the
services', whose errors come back onto the fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.reform.models import ExternalIndexKind, Verification
from congvu.reform.services import Decision, SelfEntry, parse_points
from congvu.units.models import Unit


class PointsField(forms.CharField):
    """Points typed the Vietnamese way ("2,5") or with a dot; empty is allowed in a draft."""

    def __init__(self, *args, max_points: Decimal, **kwargs):
        self.max_points = max_points
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "class": "form-control form-control-sm", "style": "max-width: 7em",
                                  "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        try:
            points = parse_points(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
        if points is not None and not (0 <= points <= self.max_points):
            raise ValidationError(_("Points must be between 0 and %(max)s.") % {"max": self.max_points.normalize()}, code="range")
        return points


class SelfAssessmentForm(forms.Form):
    """One points field, one explanation and one evidence file per self-assessed criterion, named by its id."""

    def __init__(self, leaves, scores, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.leaves = [c for c in leaves if not c.metric]
        for c in self.leaves:
            score = scores.get(c.pk)
            self.fields[f"p_{c.pk}"] = PointsField(label=_("Points for %(code)s") % {"code": c.code}, max_points=c.max_points,
                                                  initial=_plain(score.self_points) if score else None)
            self.fields[f"e_{c.pk}"] = forms.CharField(label=_("Explanation for %(code)s") % {"code": c.code}, required=False, max_length=5000,
                                                       initial=score.explanation if score else "",
                                                       widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}))
            self.fields[f"f_{c.pk}"] = forms.FileField(label=_("Evidence file for %(code)s") % {"code": c.code}, required=False,
                                                       widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-sm", "accept": ".pdf,.jpg,.jpeg,.png"}))
            if score is not None:
                for evidence in score.evidence.all():
                    self.fields[f"rm_{evidence.pk}"] = forms.BooleanField(label=_("Remove"), required=False)

    def entries(self) -> dict[str, SelfEntry]:
        return {c.code: SelfEntry(self.cleaned_data.get(f"p_{c.pk}"), self.cleaned_data.get(f"e_{c.pk}") or "") for c in self.leaves}

    def uploads(self) -> dict[str, list]:
        return {c.code: [self.cleaned_data[f"f_{c.pk}"]] for c in self.leaves if self.cleaned_data.get(f"f_{c.pk}")}

    def removed(self) -> list[int]:
        return [int(name[3:]) for name, value in self.cleaned_data.items() if name.startswith("rm_") and value]

    def add_service_error(self, error) -> None:
        by_code = {c.code: c for c in self.leaves}
        placed = False
        for code, message in error.fields.items():
            if code in by_code:
                self.add_error(f"p_{by_code[code].pk}", message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


VERDICT_CHOICES = [(Verification.ACCEPTED.value, _("Accept")), (Verification.CORRECTED.value, _("Correct"))]


class VerificationForm(forms.Form):
    def __init__(self, leaves, scores, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.leaves = [c for c in leaves if not c.metric]
        for c in self.leaves:
            score = scores.get(c.pk)
            verdict = score.verification if score and score.verification in (Verification.ACCEPTED, Verification.CORRECTED) else ""
            self.fields[f"v_{c.pk}"] = forms.ChoiceField(label=_("Verdict for %(code)s") % {"code": c.code}, choices=VERDICT_CHOICES,
                                                         required=False, initial=verdict, widget=forms.RadioSelect)
            self.fields[f"vp_{c.pk}"] = PointsField(label=_("Corrected points for %(code)s") % {"code": c.code}, max_points=c.max_points,
                                                   initial=_plain(score.verified_points) if verdict == Verification.CORRECTED else None)
            self.fields[f"vr_{c.pk}"] = forms.CharField(label=_("Reason for %(code)s") % {"code": c.code}, required=False, max_length=2000,
                                                        initial=score.correction_reason if score else "",
                                                        widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm"}))

    def clean(self):
        data = super().clean()
        for c in self.leaves:
            if data.get(f"v_{c.pk}") == Verification.CORRECTED:
                if data.get(f"vp_{c.pk}") is None and f"vp_{c.pk}" not in self.errors:
                    self.add_error(f"vp_{c.pk}", _("Give the corrected points."))
                if not (data.get(f"vr_{c.pk}") or "").strip():
                    self.add_error(f"vr_{c.pk}", _("A correction needs its reason."))
        return data

    def decisions(self) -> dict[str, Decision]:
        out = {}
        for c in self.leaves:
            verdict = self.cleaned_data.get(f"v_{c.pk}") or ""
            out[c.code] = Decision(verdict, self.cleaned_data.get(f"vp_{c.pk}"), self.cleaned_data.get(f"vr_{c.pk}") or "")
        return out

    def add_service_error(self, error) -> None:
        by_code = {c.code: c for c in self.leaves}
        placed = False
        for code, message in error.fields.items():
            if code in by_code:
                self.add_error(f"v_{by_code[code].pk}", message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class ImportFrameworkForm(forms.Form):
    file = forms.FileField(label=_("Framework file (JSON or Excel .xlsx)"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False,
                              help_text=_("Leave empty to use the year written in the file."))


class ExternalIndexForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=pgettext_lazy("external index", "Index"), choices=ExternalIndexKind.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), to_field_name="code",
                                  help_text=_("The province, or a unit the index is about."))
    score = forms.DecimalField(label=_("Score"), required=False, max_digits=8, decimal_places=2, min_value=0, localize=True)
    rank = forms.IntegerField(label=_("Rank"), required=False, min_value=1, max_value=1000)
    ranked_count = forms.IntegerField(label=_("Number of provinces ranked"), required=False, min_value=1, max_value=1000)
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    note = forms.CharField(label=pgettext_lazy("external index", "Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select) else "form-control")

    def clean(self):
        data = super().clean()
        rank, count = data.get("rank"), data.get("ranked_count")
        if rank is not None and count is not None and rank > count:
            self.add_error("rank", _("The rank cannot exceed the number of provinces ranked."))
        if data.get("score") is None and rank is None:
            raise ValidationError(_("Enter at least the score or the rank."), code="empty")
        if data.get("kind") == "pci" and data.get("score") is not None and data["score"] > 100:
            self.add_error("score", _("A PCI score is at most 100."))
        return data


class ExternalFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=pgettext_lazy("external index", "Index"), required=False, choices=[("", _("All"))] + list(ExternalIndexKind.choices))
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[("-year", _("Newest year first")), ("year", _("Oldest year first")),
                                                                        ("kind", pgettext_lazy("external index", "Index")), ("rank", _("Rank"))])

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"year": self.cleaned_data.get("year"), "kind": self.cleaned_data.get("kind") or "", "sort": self.cleaned_data.get("sort") or "-year"}


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes back to the unit"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))


def _plain(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
