"""Rendering form controls the accessible way on the citizen pages (WCAG 2.1: 1.3.1, 3.3.1, 3.3.2, 4.1.2):
each control points with aria-describedby at its hint and its error message, says when it is invalid, and
carries Bootstrap's classes so it reads well on a phone."""

from django import template
from django.forms import CheckboxInput, ClearableFileInput, FileInput, RadioSelect, Select

register = template.Library()


def help_id(field) -> str:
    return f"{field.auto_id}-help"


def error_id(field) -> str:
    return f"{field.auto_id}-error"


@register.filter
def described_by(field) -> str:
    ids = []
    if field.help_text:
        ids.append(help_id(field))
    if field.errors:
        ids.append(error_id(field))
    return " ".join(ids)


@register.simple_tag
def control(field, **extra):
    widget = field.field.widget
    if isinstance(widget, CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, Select):
        css = "form-select"
    elif isinstance(widget, RadioSelect):
        css = ""
    else:
        css = "form-control"
    if field.errors and css:
        css += " is-invalid"
    attrs = {"class": css} if css else {}
    if not isinstance(widget, RadioSelect):
        if ids := described_by(field):
            attrs["aria-describedby"] = ids
        if field.field.required:
            attrs["aria-required"] = "true"
    attrs.update(extra)
    if isinstance(widget, (FileInput, ClearableFileInput)):
        # A file input never shows a previous value; render the plain input (no "currently"/"clear" parts).
        # Rendered past BoundField.as_widget, which is what marks a field with errors aria-invalid: do it here.
        if field.errors:
            attrs["aria-invalid"] = "true"
        return FileInput(attrs={**widget.attrs, **attrs}).render(field.html_name, None, attrs={"id": field.auto_id})
    return field.as_widget(attrs=attrs)


@register.simple_tag
def error_links(form) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary above a form, in the order of its fields (WCAG 3.3.1): each
    links to the control to fix. Form-wide errors come first and link to `form.non_field_anchor` if the form
    names one, else to its first field."""
    first = next(iter(form.fields), "")
    links = [(getattr(form, "non_field_anchor", "") or (f"id_{first}" if first else ""), str(m)) for m in form.non_field_errors()]
    for name, field in form.fields.items():
        for message in form.errors.get(name, []):
            anchor = f"id_{name}_0" if isinstance(field.widget, RadioSelect) else f"id_{name}"
            links.append((anchor, str(message)))
    return links
