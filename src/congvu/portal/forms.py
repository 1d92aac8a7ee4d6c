"""Forms of the citizen portal: the dossier lookup and the online filing.

The applicant's details are checked by the dossier service's own rules (`intake.clean_applicant`), so the
portal can never accept what the counter would refuse; uploads are checked by their bytes
(`documents.validation.check_content`) before anything is written."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from congvu.catalog.models import DocumentGroup
from congvu.documents.services import max_upload_bytes
from congvu.documents.validation import FILE_TYPES, DocumentError, check_content, format_size
from congvu.dossiers.models import ApplicantKind
from congvu.dossiers.services.errors import InvalidInput
from congvu.dossiers.services.intake import ApplicantInput, clean_applicant
from congvu.portal.lookup import CODE_SHAPE
from congvu.portal.services import ALLOWED_TYPES


def _spaces(value: str) -> str:
    return " ".join((value or "").split())


class LookupForm(forms.Form):
    # Errors are listed above the form and announced; the browser's own bubbles are neither (WCAG 3.3.1).
    use_required_attribute = False

    code = forms.CharField(
        label=_("Dossier code"), max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        help_text=_("As printed on your receipt or shown after filing online, e.g. H15.50.05.13-261008-0975."),
        error_messages={"required": _("Enter the dossier code printed on your receipt.")},
    )
    digits = forms.CharField(
        label=_("Last 4 digits of your phone number"), max_length=4, min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}),
        help_text=_("The phone number you gave when filing the dossier."),
        error_messages={
            "required": _("Enter the last 4 digits of the phone number you gave when filing."),
            "min_length": _("Enter exactly 4 digits."),
            "max_length": _("Enter exactly 4 digits."),
        },
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not CODE_SHAPE.match(code):
            raise ValidationError(_("A dossier code looks like H15.50.05.13-261008-0975: check it against your receipt."), code="shape")
        return code

    def clean_digits(self):
        digits = self.cleaned_data["digits"].strip()
        if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
            raise ValidationError(_("Enter exactly 4 digits."), code="digits")
        return digits


# Field names of the dossier service's errors → this form's fields.
SERVICE_FIELDS = {
    "applicant.kind": "kind", "applicant.full_name": "full_name", "applicant.personal_id": "personal_id",
    "applicant.phone": "phone", "applicant.email": "email", "applicant.address": "address",
    "applicant.organisation_name": "organisation_name", "applicant.tax_code": "tax_code", "summary": "summary",
}


class OnlineFilingForm(forms.Form):
    """One online filing: where, who, and one file for each document the procedure asks to submit.

    The catalogue does not say which documents apply to every applicant: many are listed "in the case of …"
    or as alternatives. So each document must be either attached or declared not to apply to this
    applicant's case; nothing is skipped silently, and the officer who accepts the filing judges the
    declarations (and does not accept it, with reasons, when a document was needed)."""

    use_required_attribute = False

    unit = forms.ChoiceField(
        label=_("Where to file"), help_text=_("The one-stop desk that will receive your dossier and give you the result."),
        error_messages={"required": _("Choose where to file the dossier."), "invalid_choice": _("Choose one of the places listed.")},
    )
    kind = forms.ChoiceField(label=_("You are filing as"), choices=ApplicantKind.choices, initial=ApplicantKind.CITIZEN, widget=forms.RadioSelect)
    full_name = forms.CharField(
        label=_("Full name"), max_length=200, help_text=_("For an organisation: the person filing on its behalf."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your full name.")},
    )
    personal_id = forms.CharField(
        label=_("Personal identification number"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("12 digits, on your chip-based ID card. Required when filing as a citizen."),
    )
    organisation_name = forms.CharField(
        label=_("Organisation name"), max_length=255, required=False, help_text=_("Only when filing for an organisation or business."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    tax_code = forms.CharField(
        label=_("Tax code"), max_length=20, required=False, help_text=_("Only when filing for an organisation or business."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=20, widget=forms.TelInput(attrs={"autocomplete": "tel"}),
        help_text=_("You will be told about your dossier on this number; its last 4 digits let you look the dossier up."),
        error_messages={"required": _("Enter a phone number: its last 4 digits are needed to look up your dossier.")},
    )
    email = forms.CharField(
        label=_("Email"), max_length=254, required=False, help_text=_("Optional; notices are also sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False, widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    summary = forms.CharField(
        label=_("Your request"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what you ask for, in a few words."),
    )
    declaration = forms.BooleanField(
        label=_("I declare that the information and documents I provide are true, and I take responsibility for them before the law."),
        error_messages={"required": _("Tick the declaration to file the dossier.")},
    )

    def __init__(self, version, units, data=None, files=None, **kwargs):
        super().__init__(data, files, **kwargs)
        self.version = version
        self.units = {u.code: u for u in units}
        self.fields["unit"].choices = [("", _("— choose —"))] + [(u.code, u.name) for u in units] if len(units) > 1 else [(u.code, u.name) for u in units]
        self.documents = list(version.documents.filter(group=DocumentGroup.SUBMIT).order_by("position", "id"))
        accept = ",".join(sorted({f".{FILE_TYPES[k].extension}" for k in ALLOWED_TYPES} | {".jpeg"} | {FILE_TYPES[k].content_type for k in ALLOWED_TYPES}))
        for number, document in enumerate(self.documents, start=1):
            self.fields[self.file_field(document)] = forms.FileField(
                label=document.name, required=False, widget=forms.ClearableFileInput(attrs={"accept": accept}),
                error_messages={"invalid": _("The file could not be read; choose it again.")},
            )
            self.fields[self.not_applicable_field(document)] = forms.BooleanField(
                label=_("Document %(number)s does not apply to my case") % {"number": number}, required=False,
            )
        # The request and the declaration come after the documents on the page: the error summary follows the page.
        for name in ("summary", "declaration"):
            self.fields[name] = self.fields.pop(name)

    # ------------------------------------------------------------------------------------------- helpers

    @staticmethod
    def file_field(document) -> str:
        return f"doc_{document.pk}"

    @staticmethod
    def not_applicable_field(document) -> str:
        return f"na_{document.pk}"

    @property
    def upload_limit(self) -> str:
        return format_size(max_upload_bytes())

    @property
    def upload_types(self) -> str:
        return ", ".join(FILE_TYPES[k].label for k in ALLOWED_TYPES)

    def document_rows(self):
        """[(number, document, bound file field, bound "does not apply" field)] in the catalogue's order."""
        return [
            (i, d, self[self.file_field(d)], self[self.not_applicable_field(d)]) for i, d in enumerate(self.documents, start=1)
        ]

    @property
    def non_field_anchor(self) -> str:
        """Where the error summary sends a form-wide error: the first document (the usual cause), else the top."""
        return f"id_{self.file_field(self.documents[0])}" if self.documents else "id_unit"

    # ------------------------------------------------------------------------------------------- checks

    def clean_unit(self):
        code = self.cleaned_data["unit"]
        if code not in self.units:
            raise ValidationError(_("Choose one of the places listed."), code="invalid_choice")
        return self.units[code]

    def _check_upload(self, name: str, number: int) -> None:
        upload = self.cleaned_data.get(name)
        if not upload:
            return
        try:
            head = upload.read(16)
            upload.seek(0)
            check_content(head, upload.size, allowed=ALLOWED_TYPES, max_bytes=max_upload_bytes())
        except DocumentError as error:
            message = _("Document %(number)s: %(problem)s") % {"number": number, "problem": error.message}
            self.add_error(name, ValidationError(message, code=str(error.code)))

    def clean(self):
        data = super().clean()
        attached = 0
        # Messages name the document by its number on the page: the summary lists several at once.
        for number, document in enumerate(self.documents, start=1):
            name = self.file_field(document)
            self._check_upload(name, number)
            if data.get(name):
                attached += 1
            elif not data.get(self.not_applicable_field(document)) and name not in self.errors:
                self.add_error(name, ValidationError(
                    _("Attach document %(number)s, or tick that it does not apply to your case.") % {"number": number}, code="required",
                ))
        if self.documents and not attached and not any(self.file_field(d) in self.errors for d in self.documents):
            self.add_error(None, ValidationError(_("Attach at least one document of the dossier."), code="no_documents"))
        self._check_applicant(data)
        return data

    def _check_applicant(self, data) -> None:
        if any(name in self.errors for name in ("full_name", "phone", "kind")):
            return
        try:
            clean_applicant(ApplicantInput.of(self.applicant_data(data)), need_contact=True)
        except InvalidInput as error:
            self.add_service_error(error)

    def applicant_data(self, data=None) -> dict:
        data = data if data is not None else self.cleaned_data
        organisation = data.get("kind") == ApplicantKind.ORGANISATION
        return {
            "kind": data.get("kind") or ApplicantKind.CITIZEN,
            "full_name": _spaces(data.get("full_name", "")),
            "personal_id": "".join((data.get("personal_id") or "").split()),
            "phone": (data.get("phone") or "").strip(),
            "email": (data.get("email") or "").strip(),
            "address": _spaces(data.get("address", "")),
            "organisation_name": _spaces(data.get("organisation_name", "")) if organisation else "",
            "tax_code": "".join((data.get("tax_code") or "").split()) if organisation else "",
        }

    def add_service_error(self, error) -> None:
        """Show a DossierError next to the fields it names; anything else above the form."""
        placed = False
        for name, messages in (error.fields or {}).items():
            field = SERVICE_FIELDS.get(name)
            if field and field in self.fields:
                for message in messages:
                    if field not in self.errors or message not in self.errors[field]:
                        self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)

    def uploads(self) -> list:
        """(required document, uploaded file) for each attached document."""
        return [(d, self.cleaned_data[self.file_field(d)]) for d in self.documents if self.cleaned_data.get(self.file_field(d))]

    def declared_not_applicable(self) -> list:
        return [d for d in self.documents if not self.cleaned_data.get(self.file_field(d)) and self.cleaned_data.get(self.not_applicable_field(d))]
