"""Forms of the staff dossier pages: intake at the counter, the list and worklist filters, and one small form
per action on a dossier. They check what a person typed; the rules of the procedure are the services'."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from congvu.catalog import boundary
from congvu.catalog.models import DocumentGroup
from congvu.documents.selectors import documents_of as citizen_documents_of
from congvu.dossiers.models import ApplicantKind, Channel, ReturnMethod
from congvu.dossiers.states import Action, DossierState
from congvu.dossiers.templatetags.dossier_tags import state_label
from congvu.units.phones import normalise_phone

_PERSONAL_ID_RE = re.compile(r"^\d{12}$")
CITIZEN_DOCUMENTS_SHOWN = 50
PERSONAL_ID = RegexValidator(r"^\d{12}$", _("A personal identification number has exactly 12 digits."), code="invalid_personal_id")
# Tax codes: 10 digits, or 10 digits, a hyphen and 3 digits for a branch (Circular 105/2020/TT-BTC art. 5).
TAX_CODE = RegexValidator(r"^\d{10}(-\d{3})?$", _("A tax code has 10 digits, or 10 digits, a hyphen and 3 digits."), code="invalid_tax_code")

OUTCOME_RECEIVE = "receive"
OUTCOME_INCOMPLETE = "incomplete"
OUTCOME_REFUSE = "refuse"
OUTCOMES = (OUTCOME_RECEIVE, OUTCOME_INCOMPLETE, OUTCOME_REFUSE)


class ProcedureSearchForm(forms.Form):
    q = forms.CharField(label=_("Procedure"), required=False, max_length=200)


def _spaces(value: str) -> str:
    return " ".join((value or "").split())


class IntakeForm(forms.Form):
    """One counter intake: the documents checked against the procedure's list, who the applicant is, how it
    came in. Which outcome the officer chose comes from the button pressed (`outcome`)."""

    # Set by the submit button pressed; Enter in any field submits with the first button, "Receive".
    outcome = forms.ChoiceField(choices=[(o, o) for o in OUTCOMES], required=False)
    kind = forms.ChoiceField(label=_("Applicant kind"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN, widget=forms.RadioSelect)
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    personal_id = forms.CharField(label=_("Personal identification number"), max_length=12, required=False, validators=[PERSONAL_ID])
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    residence = forms.ChoiceField(
        label=_("Commune or ward of residence"), required=False,
        help_text=_("Where the applicant lives. Leave empty when it is this commune or ward. For another one, the procedure "
                    "is received only if the province lists it as received regardless of administrative boundary."),
    )
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=255, required=False)
    tax_code = forms.CharField(label=_("Tax code"), max_length=14, required=False, validators=[TAX_CODE])
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.COUNTER, widget=forms.RadioSelect)
    summary = forms.CharField(label=_("Request"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    copies = forms.IntegerField(label=_("Number of sets"), min_value=1, max_value=99, initial=1)
    reused = forms.TypedMultipleChoiceField(
        label=_("Documents reused from the citizen's store"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("What else is missing or must be corrected"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for “Incomplete”: the unchecked documents are listed automatically."),
    )
    reasons = forms.CharField(
        label=_("Reasons for refusal"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for “Refuse”: the legal grounds why the dossier cannot be received."),
    )

    def __init__(self, version, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.version = version
        # At the counter a dossier comes in person or by post; online filings arrive through the portal.
        self.fields["channel"].choices = [(c.value, c.label) for c in (Channel.COUNTER, Channel.POST)]
        self.documents = list(version.documents.filter(group=DocumentGroup.SUBMIT).order_by("position", "id"))
        for document in self.documents:
            self.fields[self.document_field(document)] = forms.BooleanField(label=document.name, required=False)
        # The catalogue lists documents under their cases ("Trường hợp ủy quyền…"): a case that does not apply
        # is ticked once for all its documents, which are then neither received nor missing. One heading alone
        # ("Giấy tờ phải nộp") is a title, not a choice of cases.
        self.fields["reused"].choices = [(d.pk, d.name) for d in self.citizen_documents()]
        # Communes and wards by name (Decree 118/2025: where the applicant lives decides who is competent).
        self.fields["residence"].choices = [("", _("This commune or ward"))] + [(u.code, u.name) for u in boundary.residence_choices()]
        headings = list(dict.fromkeys(d.heading for d in self.documents if d.heading))
        self.cases = headings if len(headings) > 1 else []
        for index, heading in enumerate(self.cases):
            self.fields[f"case_na_{index}"] = forms.BooleanField(label=_("This case does not apply"), required=False)

    def citizen_documents(self):
        """The applicant's digitised results that this dossier may attach instead of new copies (Decree
        45/2020 art. 10), once a well-formed personal ID has been typed."""
        personal_id = ((self.data.get("personal_id") if self.is_bound else "") or "").strip()
        return list(citizen_documents_of(personal_id)[:CITIZEN_DOCUMENTS_SHOWN]) if _PERSONAL_ID_RE.match(personal_id) else []

    @staticmethod
    def document_field(document) -> str:
        return f"doc_{document.pk}"

    def document_groups(self):
        """[(heading, bound "does not apply" checkbox or None, [(document, bound checkbox)])] in catalogue order."""
        groups = []
        for document in self.documents:
            if not groups or groups[-1][0] != document.heading:
                na = self[f"case_na_{self.cases.index(document.heading)}"] if document.heading in self.cases else None
                groups.append((document.heading, na, []))
            groups[-1][2].append((document, self[self.document_field(document)]))
        return groups

    def clean_full_name(self):
        return _spaces(self.cleaned_data["full_name"])

    def clean_personal_id(self):
        return (self.cleaned_data.get("personal_id") or "").strip()

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone") or "")

    def clean(self):
        data = super().clean()
        data["outcome"] = data.get("outcome") or OUTCOME_RECEIVE
        kind, outcome = data.get("kind"), data["outcome"]
        if kind == ApplicantKind.CITIZEN and not data.get("personal_id") and "personal_id" not in self.errors:
            self.add_error("personal_id", ValidationError(_("Enter the citizen's 12-digit personal identification number."), code="required"))
        if kind == ApplicantKind.ORGANISATION:
            if not _spaces(data.get("organisation_name", "")):
                self.add_error("organisation_name", ValidationError(_("Enter the organisation's name."), code="required"))
            if not data.get("tax_code") and "tax_code" not in self.errors:
                self.add_error("tax_code", ValidationError(_("Enter the organisation's tax code."), code="required"))
        if outcome == OUTCOME_REFUSE and not (data.get("reasons") or "").strip():
            self.add_error("reasons", ValidationError(_("A refusal must state its reasons."), code="required"))
        if outcome == OUTCOME_INCOMPLETE and not self.missing_documents() and not (data.get("note") or "").strip():
            self.add_error("note", ValidationError(
                _("Uncheck the documents that are missing or say here what must be completed."), code="required"))
        return data

    def not_applicable_documents(self):
        skipped = {heading for index, heading in enumerate(self.cases) if self.cleaned_data.get(f"case_na_{index}")}
        return [d for d in self.documents if d.heading in skipped]

    def checked_documents(self):
        skipped = {d.pk for d in self.not_applicable_documents()}
        return [d for d in self.documents if self.cleaned_data.get(self.document_field(d)) and d.pk not in skipped]

    def missing_documents(self):
        skipped = {d.pk for d in self.not_applicable_documents()}
        return [d for d in self.documents if not self.cleaned_data.get(self.document_field(d)) and d.pk not in skipped]

    def other_missing(self) -> list[str]:
        """What the officer typed as missing besides the unchecked documents, one item a line."""
        return _lines(self.cleaned_data.get("note") or "")

    # Field names of the service's errors ("applicant.full_name", "checked_document_ids") → this form's.
    SERVICE_FIELDS = {
        "applicant.kind": "kind", "applicant.full_name": "full_name", "applicant.personal_id": "personal_id",
        "applicant.phone": "phone", "applicant.email": "email", "applicant.address": "address",
        "applicant.organisation_name": "organisation_name", "applicant.tax_code": "tax_code", "applicant.residence": "residence",
        "channel": "channel", "summary": "summary", "copies": "copies", "reasons": "reasons",
    }

    def add_service_error(self, error) -> None:
        """Show a DossierError next to the fields it names; the rest (and its message) above the form."""
        placed = False
        for name, messages in (error.fields or {}).items():
            field = self.SERVICE_FIELDS.get(name)
            if field and field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                placed = True
        unplaced = [m for name, messages in (error.fields or {}).items() if name not in self.SERVICE_FIELDS for m in messages]
        if not placed or unplaced:
            self.add_error(None, error.message)
            for message in unplaced:
                self.add_error(None, message)

    def applicant_data(self) -> dict:
        data = self.cleaned_data
        organisation = data["kind"] == ApplicantKind.ORGANISATION
        return {
            "kind": data["kind"],
            "full_name": data["full_name"],
            "personal_id": data["personal_id"],
            "phone": data["phone"],
            "email": data.get("email") or "",
            "address": _spaces(data.get("address", "")),
            "organisation_name": _spaces(data.get("organisation_name", "")) if organisation else "",
            "tax_code": data.get("tax_code", "") if organisation else "",
            "residence": data.get("residence") or "",
        }


# ------------------------------------------------------------------------------------------------- lists

SORT_CHOICES = [
    ("-received_at", _("Received (newest first)")),
    ("received_at", _("Received (oldest first)")),
    ("due_at", _("Due (soonest first)")),
    ("-due_at", _("Due (latest first)")),
    ("code", _("Dossier code")),
]
SORT_FIELDS = {value: ([value, "-id"] if value.startswith("-") else [value, "id"]) for value, _label in SORT_CHOICES}

OVERDUE_CHOICES = [("", _("Any")), ("1", _("Overdue only")), ("0", _("Not overdue"))]


class DossierFilterForm(forms.Form):
    """The dossier list's search and filters; also validates the Excel export's query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    procedure = forms.CharField(label=_("Procedure code"), required=False, max_length=40)
    overdue = forms.ChoiceField(label=_("Overdue"), required=False, choices=OVERDUE_CHOICES)
    received_from = forms.DateField(label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, data=None, *, units=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [("", _("Any status"))] + [(s.value, state_label(s)) for s in DossierState]
        self.fields["unit"].choices = [("", _("All units you can see"))] + [(u.code, u.name) for u in units]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", ValidationError(_("The last day cannot be before the first day."), code="invalid_range"))
        return data

    def filters(self) -> dict:
        """The filters to apply: the valid ones as given; on any invalid value, none (and the form shows why)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        overdue = {"1": True, "0": False}.get(data.get("overdue") or "")
        return {
            "q": data.get("q") or "",
            "status": data.get("status") or "",
            "unit": data.get("unit") or "",
            "procedure": (data.get("procedure") or "").strip(),
            "overdue": overdue,
            "received_from": data.get("received_from"),
            "received_to": data.get("received_to"),
        }

    def ordering(self) -> list[str]:
        sort = self.cleaned_data.get("sort") if self.is_bound and self.is_valid() else ""
        return SORT_FIELDS.get(sort or "-received_at")


WORKLIST_SCOPE_CHOICES = [("", _("My unit and me")), ("mine", _("Assigned to me"))]
WORKLIST_DUE_CHOICES = [("", _("Any")), ("overdue", _("Overdue")), ("soon", _("Due within one working day"))]


class WorklistFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    mine = forms.ChoiceField(label=_("Whose"), required=False, choices=WORKLIST_SCOPE_CHOICES)
    due = forms.ChoiceField(label=_("Due"), required=False, choices=WORKLIST_DUE_CHOICES)

    def values(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {"q": "", "mine": False, "due": ""}
        return {"q": self.cleaned_data.get("q") or "", "mine": self.cleaned_data.get("mine") == "mine", "due": self.cleaned_data.get("due") or ""}


class RegisterForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, data=None, *, units=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["unit"].choices = [(u.code, u.name) for u in units]


_CODE_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_filename(*parts: str, extension: str) -> str:
    """A download name made of ASCII letters, digits, dots, hyphens and underscores only: safe in a
    Content-Disposition header on every browser, and never a path."""
    stem = "-".join(_CODE_SAFE.sub("-", str(p)).strip("-.") for p in parts if p)
    return f"{stem or 'tai-lieu'}.{extension}"


# ------------------------------------------------------------------------------------------------- actions

class ActionForm(forms.Form):
    """Every action form posts the version of the dossier the person saw; a stale one is a conflict."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, data=None, files=None, *, dossier, action: Action, **kwargs):
        # The prefix keeps the ids of the many forms on one page apart ("forward-reason", "stop-reason").
        super().__init__(data, files, prefix=action.value, **kwargs)
        self.action = action
        self.dossier = dossier
        self.fields["expected_version"].initial = dossier.lock_version

    def add_service_error(self, error) -> None:
        """A DossierError's fields next to this form's fields of the same name; the message is shown above."""
        for name, messages in (error.fields or {}).items():
            field = name if name in self.fields else ("names" if name.startswith("results") and "names" in self.fields else None)
            for message in messages:
                self.add_error(field, message)

    def params(self) -> dict:
        """The keyword arguments of the service call (besides actor and expected_version)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "expected_version"}


class NoInputForm(ActionForm):
    pass


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_reason(self):
        return self.cleaned_data["reason"].strip()


class NotAcceptForm(ActionForm):
    reasons = forms.CharField(label=_("Reasons for refusal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalNoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


class ForwardForm(ActionForm):
    to_unit = forms.ChoiceField(
        label=_("Send to"), required=False,
        help_text=_("Leave as is to go to the next step of the workflow; choose a unit to send the dossier there (joint processing)."),
    )
    share = forms.DecimalField(
        label=_("Time for that unit"), required=False, min_value=Decimal("0.01"), max_digits=7, decimal_places=2,
        help_text=_("Only when sending to another unit: its share of the time, in the unit of the procedure's time limit."),
    )
    step_name = forms.CharField(label=_("Name of that unit's step"), required=False, max_length=255)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.code: u for u in units}
        self.fields["to_unit"].choices = [("", _("The next step of the workflow"))] + [(u.code, u.name) for u in units]

    def clean(self):
        data = super().clean()
        if data.get("to_unit") and not data.get("share") and "share" not in self.errors:
            self.add_error("share", ValidationError(_("Enter the time that unit has for its step."), code="required"))
        return data

    def params(self) -> dict:
        data = self.cleaned_data
        unit = self.units.get(data.get("to_unit") or "")
        if unit is None:
            return {"note": data.get("note") or ""}
        return {"to_unit": unit, "share": data["share"], "step_name": data.get("step_name") or "", "note": data.get("note") or ""}


class AssignForm(ActionForm):
    assignee = forms.ChoiceField(label=_("Person"))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(user.pk): user for user in people}
        self.fields["assignee"].choices = [("", _("Choose a person"))] + [
            (str(user.pk), user.get_full_name() or user.get_username()) for user in people
        ]

    def params(self) -> dict:
        return {"assignee": self.people[self.cleaned_data["assignee"]]}


class SupplementRequestForm(ActionForm):
    items = forms.CharField(
        label=_("Documents to add or correct"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item a line. Everything missing must be asked for at once."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_items(self):
        items = _lines(self.cleaned_data["items"])
        if not items:
            raise ValidationError(_("List at least one document to add or correct."), code="required")
        return items


class PaymentRequestForm(ActionForm):
    amount_vnd = forms.IntegerField(label=_("Amount (VND)"), min_value=1, max_value=10**12)
    description = forms.CharField(label=_("What the payment is for"), max_length=255)


class PaymentConfirmForm(ActionForm):
    receipt_reference = forms.CharField(label=_("Receipt number"), required=False, max_length=80)
    paid_online = forms.BooleanField(label=_("Paid online"), required=False)


class ApologyForm(ActionForm):
    reason = forms.CharField(label=_("Reason for the delay"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    new_due_at = forms.DateTimeField(
        label=_("New appointment"), input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Vietnam time. A new appointment can be set only once."),
    )


class RecordResultForm(ActionForm):
    names = forms.CharField(
        label=_("Result documents"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One document a line, e.g. “Giấy khai sinh (bản chính)”."),
    )
    file = forms.FileField(label=_("Scan of the result (PDF, JPEG or PNG)"), required=False, help_text=_("Attached to the first document listed."))

    def clean_names(self):
        names = _lines(self.cleaned_data["names"])
        if not names:
            raise ValidationError(_("Name at least one result document."), code="required")
        return names

    def params(self, stored_file=None) -> dict:
        """`results` for the service; the stored scan (if any) goes with the first result."""
        names = self.cleaned_data["names"]
        return {"results": [{"name": name, "file": stored_file if i == 0 else None} for i, name in enumerate(names)]}


class ReturnResultForm(ActionForm):
    method = forms.ChoiceField(label=_("How the result was returned"), choices=ReturnMethod.choices, initial=ReturnMethod.COUNTER)
    returned_to = forms.CharField(
        label=_("Received by"), required=False, max_length=200,
        help_text=_("The name of the person who collected the result, or the addressee of the post."),
    )
    postal_tracking = forms.CharField(label=_("Postal tracking number"), required=False, max_length=60)

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method and method != ReturnMethod.ELECTRONIC and not (data.get("returned_to") or "").strip():
            self.add_error("returned_to", ValidationError(_("Enter who received the result."), code="required"))
        if method == ReturnMethod.POST and not (data.get("postal_tracking") or "").strip():
            self.add_error("postal_tracking", ValidationError(_("Enter the postal tracking number of a result sent by post."), code="required"))
        return data


ACTION_FORMS: dict[Action, type[ActionForm]] = {
    Action.RECEIVE: NoInputForm,
    Action.NOT_ACCEPT: NotAcceptForm,
    Action.START_PROCESSING: NoInputForm,
    Action.ACCEPT_STEP: NoInputForm,
    Action.FORWARD: ForwardForm,
    Action.SEND_BACK: ReasonForm,
    Action.ASSIGN: AssignForm,
    Action.REQUEST_SUPPLEMENT: SupplementRequestForm,
    Action.RECEIVE_SUPPLEMENT: OptionalNoteForm,
    Action.REQUEST_PAYMENT: PaymentRequestForm,
    Action.CONFIRM_PAYMENT: PaymentConfirmForm,
    Action.REFUSE: ReasonForm,
    Action.STOP: ReasonForm,
    Action.WITHDRAW: ReasonForm,
    Action.ISSUE_APOLOGY: ApologyForm,
    Action.RECORD_RESULT: RecordResultForm,
    Action.RETURN_RESULT: ReturnResultForm,
}


def action_form(action: Action, dossier, data=None, files=None, **choices) -> ActionForm:
    """The form for `action` on `dossier`; `choices` gives the units (forward) or people (assign) to offer."""
    form_class = ACTION_FORMS[action]
    extra = {}
    if form_class is ForwardForm:
        extra["units"] = choices.get("units", ())
    if form_class is AssignForm:
        extra["people"] = choices.get("people", ())
    return form_class(data, files, dossier=dossier, action=action, **extra)
