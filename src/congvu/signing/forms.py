from django import forms
from django.utils.translation import gettext_lazy as _

from congvu.documents.validation import DocumentError, check_content, format_size

# A signed letter is tens of kilobytes and a scanned result a few megabytes; checking a file costs a diff of
# every revision, so the public page takes no more than this.
MAX_VERIFY_BYTES = 10 * 1024 * 1024


class VerifyForm(forms.Form):
    document = forms.FileField(
        label=_("PDF document to check"),
        error_messages={"required": _("Choose the PDF file to check."), "empty": _("The file is empty."),
                        "invalid": _("No file was received. Choose the PDF file again.")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted per request, in the language of the request (a lazy string formatted at import would not be).
        self.fields["document"].help_text = _("A PDF file of at most %(limit)s. The file is only checked, never kept.") % {
            "limit": format_size(MAX_VERIFY_BYTES),
        }

    def clean_document(self) -> bytes:
        upload = self.cleaned_data["document"]
        if upload.size > MAX_VERIFY_BYTES:  # known from the upload's size: nothing more is read into memory
            raise forms.ValidationError(
                _("The file is larger than %(limit)s, the largest size accepted.") % {"limit": format_size(MAX_VERIFY_BYTES)}, code="too_large",
            )
        upload.seek(0)
        data = upload.read(MAX_VERIFY_BYTES + 1)
        try:
            check_content(data[:16], len(data), allowed=("pdf",), max_bytes=MAX_VERIFY_BYTES)
        except DocumentError as error:
            raise forms.ValidationError(error.message, code=str(error.code)) from error
        return data
