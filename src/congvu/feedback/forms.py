"""Forms of the feedback app: the rating survey, the public feedback form and the counter's version of it,
the sender's reply and verdict, the staff action forms and the list filters. They check what a person
typed; the rules (deadlines, who may act, one rating per dossier) are the services'."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congvu.catalog import selectors as catalog_selectors
from congvu.feedback import selectors
from congvu.feedback.models import STAFF_CHANNELS, Nature, SubjectKind, Topic, Verdict
from congvu.feedback.scoring import OPTIONAL_FACTORS, Factor, Perception, SchemeRules
from congvu.feedback.services import FeedbackInput
from congvu.feedback.workflow import FeedbackAction, FeedbackState

# ------------------------------------------------------------------------------------------------ rating

FACTOR_LABELS = {
    Factor.ACCESS: _("Access to the service (finding information, getting to the counter or the online service)"),
    Factor.PROCEDURE: _("The procedure (documents required, fees, time limit, as published)"),
    Factor.OFFICER: _("The officers (attitude, guidance, competence)"),
    Factor.RESULT: _("The result (correct, complete, as the law requires)"),
    Factor.FEEDBACK: _("Receiving and handling your feedback, if you gave any"),
}
FIVE_POINT_LABELS = {
    1: _("Very dissatisfied"), 2: _("Dissatisfied"), 3: _("Neither satisfied nor dissatisfied"), 4: _("Satisfied"), 5: _("Very satisfied"),
}
PERCEPTION_LABELS = {
    Perception.TRIPS: _("Apart from filing and collecting the result, how many extra times did you have to come or get in touch?"),
    Perception.EXTRA_MONEY: _("Did anyone ask you for money beyond the published fees and charges?"),
    Perception.APPOINTMENT: _("When did you get the result, compared with the appointment?"),
    Perception.APOLOGY: _("If the result was late: did the unit apologise in writing and give you a new appointment?"),
}
PERCEPTION_CHOICES = {
    Perception.TRIPS: [(0, pgettext_lazy("extra trips", "None")), (1, _("Once")), (2, _("Twice or more"))],
    Perception.EXTRA_MONEY: [(0, _("No")), (1, _("Yes"))],
    Perception.APPOINTMENT: [(2, _("Earlier than the appointment")), (1, _("On the appointed day")), (0, _("Later than the appointment"))],
    Perception.APOLOGY: [(1, _("Yes")), (0, _("No"))],
}
NOT_APPLICABLE = ""
QUESTION_SHORT_LABELS = {
    Factor.ACCESS.value: _("Access"),
    Factor.PROCEDURE.value: _("Procedure"),
    Factor.OFFICER.value: _("Officers"),
    Factor.RESULT.value: _("Result"),
    Factor.FEEDBACK.value: _("Feedback handling"),
    Perception.TRIPS.value: _("Extra trips"),
    Perception.EXTRA_MONEY.value: _("Asked for extra money"),
    Perception.APPOINTMENT.value: _("Result against the appointment"),
    Perception.APOLOGY.value: _("Apology when late"),
}


def scale_choices(rules: SchemeRules) -> list[tuple[int, str]]:
    if rules.scale_max == 5:
        return [(score, f"{score} — {FIVE_POINT_LABELS[score]}") for score in rules.scale]
    return [(score, f"{score}") for score in rules.scale]


class RatingForm(forms.Form):
    comment = forms.CharField(label=_("Anything else you want to tell the unit (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, rules: SchemeRules, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = rules
        for factor in Factor:
            choices = [(str(v), label) for v, label in scale_choices(rules)]
            if factor in OPTIONAL_FACTORS:
                choices.append((NOT_APPLICABLE, _("I gave no feedback / no opinion")))
            self.fields[factor.value] = forms.TypedChoiceField(
                label=FACTOR_LABELS[factor], choices=choices, coerce=int, empty_value=None, required=factor not in OPTIONAL_FACTORS,
                widget=forms.RadioSelect, error_messages={"required": _("Please choose a score.")},
            )
        for question in Perception:
            choices = [(str(v), label) for v, label in PERCEPTION_CHOICES[question]]
            optional = question == Perception.APOLOGY
            if optional:
                choices.append((NOT_APPLICABLE, _("Not applicable: the result was not late")))
            self.fields[question.value] = forms.TypedChoiceField(
                label=PERCEPTION_LABELS[question], choices=choices, coerce=int, empty_value=None, required=not optional,
                widget=forms.RadioSelect, error_messages={"required": _("Please answer this question.")},
            )
        self.order_fields([f.value for f in Factor] + [p.value for p in Perception] + ["comment"])

    def factor_fields(self):
        return [self[f.value] for f in Factor]

    def perception_fields(self):
        return [self[p.value] for p in Perception]

    def clean(self):
        data = super().clean()
        if data.get(Perception.APOLOGY.value) is not None and data.get(Perception.APPOINTMENT.value) not in (None, 0):
            self.add_error(Perception.APOLOGY.value, _("Answer this only if the result came later than the appointment."))
        return data

    def scores(self) -> dict[Factor, int | None]:
        return {f: self.cleaned_data.get(f.value) for f in Factor}

    def perceptions(self) -> dict[Perception, int | None]:
        return {p: self.cleaned_data.get(p.value) for p in Perception}


# ------------------------------------------------------------------------------------------------ feedback


def _procedure_label(version) -> str:
    return f"{version.procedure.code} — {version.name}"


MAX_PROCEDURE_CANDIDATES = 20


def resolve_procedure(text: str):
    """(procedure, candidates) for what the person typed: a code, "code — name" from the suggestions, or words
    of the name. One match gives the procedure; several give the candidates to choose from."""
    text = " ".join(str(text or "").replace("\x00", "").split())
    if not text:
        return None, []
    code = text.split(" — ", 1)[0].strip()
    procedure = catalog_selectors.procedure_by_code(code)
    if procedure is not None and catalog_selectors.version_in_force(procedure) is not None:
        return procedure, []
    matches = list(catalog_selectors.search_versions(text, sort="name")[: MAX_PROCEDURE_CANDIDATES + 1])
    if len(matches) == 1:
        return matches[0].procedure, []
    return None, matches[:MAX_PROCEDURE_CANDIDATES]


class FeedbackForm(forms.Form):
    """What a citizen sends. The unit is chosen from the units that exist; an officer from that unit's staff
    (display names only) or typed; a procedure by code or words of its name."""

    nature = forms.ChoiceField(label=_("This is a"), choices=Nature.choices, initial=Nature.REPORT, widget=forms.RadioSelect)
    subject_kind = forms.ChoiceField(label=_("It is about"), choices=SubjectKind.choices, initial=SubjectKind.UNIT, widget=forms.RadioSelect)
    unit = forms.ChoiceField(label=_("Unit concerned"), help_text=_("Where it happened, or the unit it is about."))
    procedure = forms.CharField(label=_("Procedure"), required=False, max_length=300,
                                help_text=_("Type the procedure's code or words of its name and choose from the suggestions."))
    procedure_choice = forms.CharField(required=False, max_length=60)
    officer = forms.ChoiceField(label=_("Officer"), required=False, help_text=_("The officers of the chosen unit."))
    officer_name = forms.CharField(label=_("Or the officer's name as you know it"), required=False, max_length=200)
    dossier_code = forms.CharField(label=_("Dossier code, if it is about a dossier (optional)"), required=False, max_length=60,
                                   help_text=_("As printed on the receipt, e.g. H15.50.05.13-260302-0001."))
    title = forms.CharField(label=_("Subject"), max_length=200)
    content = forms.CharField(label=_("What happened, and what do you propose?"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    sender_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=200)
    sender_phone = forms.CharField(label=_("Mobile phone (optional)"), required=False, max_length=20,
                                   help_text=_("To receive a text message when the answer is ready."))
    sender_email = forms.EmailField(label=_("Email (optional)"), required=False, max_length=254,
                                    help_text=_("To receive an email when the answer is ready."))
    # Honeypot: hidden from people (and from assistive technology); automated senders fill every field.
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = list(units if units is not None else selectors.public_units())
        self.fields["unit"].choices = [("", _("— Choose a unit —"))] + [(u.code, u.name) for u in self.units]
        self.chosen_unit = None
        if self.is_bound:
            code = str(self.data.get("unit") or "")
            self.chosen_unit = next((u for u in self.units if u.code == code), None)
        self.officers = selectors.public_officers(self.chosen_unit)
        self.fields["officer"].choices = [("", _("— Not in the list / I do not know —"))] + [(str(pk), name) for pk, name in self.officers]
        self.procedure_candidates = []

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("This field must stay empty."), code="honeypot")
        return ""

    def clean(self):
        data = super().clean()
        kind = data.get("subject_kind")
        data["unit_obj"] = self.chosen_unit
        data["procedure_obj"] = None
        data["officer_obj"] = None
        if kind == SubjectKind.PROCEDURE:
            chosen = (data.get("procedure_choice") or "").strip()
            procedure, candidates = resolve_procedure(chosen or data.get("procedure") or "")
            if procedure is None:
                self.procedure_candidates = candidates
                if candidates:
                    self.add_error("procedure", _("Several procedures match; choose one below."))
                elif (data.get("procedure") or "").strip():
                    self.add_error("procedure", _("No procedure matches; check the code or try other words."))
                else:
                    self.add_error("procedure", _("Choose the procedure concerned."))
            data["procedure_obj"] = procedure
        if kind == SubjectKind.OFFICER and data.get("officer"):
            data["officer_obj"] = selectors.public_officer(self.chosen_unit, data["officer"])
            if data["officer_obj"] is None:
                self.add_error("officer", _("Choose an officer of the chosen unit."))
        if kind == SubjectKind.OFFICER and not data.get("officer") and not (data.get("officer_name") or "").strip():
            self.add_error("officer_name", _("Give the officer's name, or choose the officer from the list."))
        return data

    def feedback_input(self) -> FeedbackInput:
        d = self.cleaned_data
        return FeedbackInput(
            subject_kind=d["subject_kind"], unit=d["unit_obj"], nature=d["nature"], title=d["title"], content=d["content"],
            procedure=d["procedure_obj"], officer=d["officer_obj"], officer_name=d.get("officer_name") or "",
            sender_name=d.get("sender_name") or "", sender_phone=d.get("sender_phone") or "", sender_email=d.get("sender_email") or "",
            dossier_code=d.get("dossier_code") or "",
        )

    def add_service_error(self, error) -> None:
        """Show a FeedbackError's fields on the form (those the form has; the rest as a form error)."""
        placed = False
        for field, messages in error.fields.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class RecordFeedbackForm(FeedbackForm):
    """The counter's entry of feedback that came by hotline, suggestion box, letter or in person."""

    channel = forms.ChoiceField(label=_("How it arrived"), choices=[(c.value, c.label) for c in STAFF_CHANNELS], widget=forms.RadioSelect)
    received_at = forms.DateTimeField(
        label=_("When it arrived"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Empty: now. For a suggestion box, when it was opened; for a letter, the day it was received."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        self.fields["sender_phone"].label = _("Sender's phone (optional)")
        self.fields["sender_name"].label = _("Sender's name (optional)")
        self.fields["sender_email"].label = _("Sender's email (optional)")
        self.order_fields(["channel", "received_at"] + [name for name in self.fields if name not in ("channel", "received_at")])

    def clean_website(self):
        return ""


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("The information requested"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Are you satisfied with the answer?"), choices=Verdict.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Why? (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# ------------------------------------------------------------------------------------------------ staff actions


class ActionForm(forms.Form):
    action: FeedbackAction
    title = ""
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def params(self) -> dict:
        """Keyword arguments of the service (its own fields and the version the page showed)."""
        return dict(self.cleaned_data)

    def add_service_error(self, error) -> None:
        placed = False
        for field, messages in error.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class AcceptForm(ActionForm):
    action = FeedbackAction.ACCEPT
    title = _("Accept for handling")
    topic = forms.ChoiceField(label=_("Classification"), choices=Topic.choices)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RefuseForm(ActionForm):
    action = FeedbackAction.REFUSE
    title = _("Refuse to handle")
    reason = forms.CharField(label=_("Reason, as the sender will read it"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RequestInfoForm(ActionForm):
    action = FeedbackAction.REQUEST_INFO
    title = _("Ask the sender for more information")
    question = forms.CharField(label=_("What is needed"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ProvideInfoForm(ActionForm):
    action = FeedbackAction.PROVIDE_INFO
    title = _("Record the sender's reply (received by phone or in person)")
    reply = forms.CharField(label=_("The sender's reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


UPHELD_CHOICES = [("yes", _("Upheld: the officer was at fault")), ("no", _("Not upheld"))]


class AnswerForm(ActionForm):
    action = FeedbackAction.ANSWER
    title = _("Answer")
    answer = forms.CharField(label=_("Answer, as the sender will read it"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    upheld = forms.ChoiceField(
        label=_("Finding on the complaint about the officer"), choices=UPHELD_CHOICES, widget=forms.RadioSelect,
        help_text=_("Counted in the officer's monthly evaluation. Not shown to the sender."),
        error_messages={"required": _("Choose whether the complaint was upheld.")},
    )

    def __init__(self, *args, feedback=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only feedback about an officer carries a finding on the officer; for any other subject the question
        # would have no answer, so it is not asked.
        if feedback is None or feedback.subject_kind != SubjectKind.OFFICER:
            del self.fields["upheld"]

    def params(self) -> dict:
        params = dict(self.cleaned_data)
        if "upheld" in params:
            params["upheld"] = params["upheld"] == "yes"
        return params


class PublishForm(ActionForm):
    action = FeedbackAction.PUBLISH
    title = _("Publish the answer on the portal")
    public_summary = forms.CharField(
        label=_("Summary of the feedback to publish"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published with the answer. Leave out names, phone numbers, addresses and other personal details."),
    )


ACTION_FORMS: dict[FeedbackAction, type[ActionForm]] = {
    form.action: form for form in (AcceptForm, RefuseForm, RequestInfoForm, ProvideInfoForm, AnswerForm, PublishForm)
}


def action_form(action: FeedbackAction, feedback, data=None) -> ActionForm:
    initial = {"expected_version": feedback.lock_version}
    if action == FeedbackAction.ACCEPT:
        initial["topic"] = feedback.topic
    if action == FeedbackAction.PUBLISH:
        initial["public_summary"] = feedback.title
    if action == FeedbackAction.ANSWER:
        return AnswerForm(data, initial=initial, prefix=action.value, feedback=feedback)
    return ACTION_FORMS[action](data, initial=initial, prefix=action.value)


# ------------------------------------------------------------------------------------------------ filters

YES_NO = [("", _("All")), ("yes", _("Yes")), ("no", _("No"))]


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


STATE_LABELS = {
    FeedbackState.RECEIVED: _("Received, awaiting handling"),
    FeedbackState.ACCEPTED: _("Being handled"),
    FeedbackState.AWAITING_INFO: _("Waiting for the sender's information"),
    FeedbackState.REFUSED: pgettext_lazy("feedback", "Refused"),
    FeedbackState.ANSWERED: _("Answered"),
    FeedbackState.PUBLISHED: _("Answered and published"),
}


ACTION_LABELS = {
    FeedbackAction.SUBMIT: _("Sent through the portal"),
    FeedbackAction.RECORD: _("Recorded by staff"),
    FeedbackAction.ACCEPT: _("Accepted for handling"),
    FeedbackAction.REFUSE: pgettext_lazy("feedback", "Refused"),
    FeedbackAction.REQUEST_INFO: _("Asked the sender for more information"),
    FeedbackAction.PROVIDE_INFO: _("Information provided"),
    FeedbackAction.ANSWER: _("Answered"),
    FeedbackAction.PUBLISH: _("Answer published"),
    FeedbackAction.RATE_ANSWER: _("The sender gave an opinion of the answer"),
}


class FeedbackFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("About"), required=False, choices=[("", _("All"))] + list(SubjectKind.choices))
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=YES_NO)
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=[
        ("-received", _("Newest first")), ("received", _("Oldest first")), ("due", _("Soonest deadline first")), ("code", _("Tracking code")),
    ])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All"))] + [(s.value, label) for s, label in STATE_LABELS.items()]
        self.fields["unit"].choices = [("", _("All units"))] + [(u.code, u.name) for u in units]

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"q": d["q"], "state": d["state"], "kind": d["kind"], "unit": d["unit"], "overdue": _yes_no(d["overdue"]),
                "sort": d["sort"] or "-received"}


class RatingFilterForm(forms.Form):
    q = forms.CharField(label=_("Dossier code or words of the comment"), required=False, max_length=200)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    officer = forms.ChoiceField(label=_("Receiving officer"), required=False)
    procedure = forms.CharField(label=_("Procedure code"), required=False, max_length=60)
    dislike = forms.ChoiceField(label=_("Dissatisfied"), required=False, choices=YES_NO)
    date_from = forms.DateField(label=_("Rated from"), required=False)
    date_to = forms.DateField(label=_("Rated until"), required=False)

    def __init__(self, *args, units=(), officers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units"))] + [(u.code, u.name) for u in units]
        self.fields["officer"].choices = [("", _("All officers"))] + [(str(o.pk), o.get_full_name() or o.get_username()) for o in officers]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        return {"q": d["q"], "unit": d["unit"], "officer": int(d["officer"]) if d["officer"] else None, "procedure": d["procedure"].strip(),
                "dislike": _yes_no(d["dislike"]), "date_from": d["date_from"], "date_to": d["date_to"]}


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A datetime typed in a form, in Vietnam's time zone."""
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# ------------------------------------------------------------------------------------------------ SIPAS


class SipasForm(forms.Form):
    """The unit (one the user may see) and the period (a key: 2026-03, 2026-Q1, 2026, 2026-01-05_2026-02-10)."""

    unit = forms.ChoiceField(label=_("Unit"))
    period = forms.CharField(label=_("Period"), max_length=40,
                             help_text=_("A month 2026-03, a quarter 2026-Q1, a year 2026 or days 2026-01-05_2026-02-10."))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.code: u for u in units}
        self.fields["unit"].choices = [(u.code, u.name) for u in units]

    def clean_period(self):
        from congvu.indices.periods import Period, PeriodError

        try:
            return Period.parse(self.cleaned_data["period"].replace("\x00", "").strip())
        except PeriodError as error:
            raise ValidationError(str(error)) from None

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]


class OfficialResultsForm(forms.Form):
    file = forms.FileField(label=_("File of results (.xlsx or .csv)"))
