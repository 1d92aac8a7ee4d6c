"""What a dossier event tells the applicant: the template variables of each notification kind, from the
dossier row and the event alone (plus one query for a payment's description), always in Vietnam time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import NoReverseMatch

from congvu.notify.models import Kind

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# Dossier actions (congvu.dossiers.states.Action values) → the notification they cause.
ACTION_KINDS = {
    "receive": Kind.RECEIVED,
    "request_supplement": Kind.SUPPLEMENT_REQUESTED,
    "request_payment": Kind.PAYMENT_DUE,
    "record_result": Kind.RESULT_READY,
    "issue_apology": Kind.APOLOGY,
    "refuse": Kind.REFUSED,
    "not_accept": Kind.REFUSED,
}


def when_text(at: dt.datetime | None) -> str:
    """"17:00 ngày 09/03/2026" in Vietnam time; empty for no time."""
    if at is None:
        return ""
    local = at.astimezone(VIETNAM)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def amount_text(vnd: int | None) -> str:
    """"8.000 đồng" (Vietnamese groups thousands with dots)."""
    if vnd is None:
        return ""
    return f"{int(vnd):,}".replace(",", ".") + " đồng"


def _parse_time(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def dossier_context(dossier) -> dict:
    from congvu.dossiers.letters import lookup_url

    applicant = dossier.applicant
    unit = dossier.receiving_unit
    return {
        "applicant_name": applicant.display_name,
        "dossier_code": dossier.code,
        "procedure_name": dossier.procedure_version.name,
        "unit_name": unit.name,
        "unit_address": unit.address,
        "lookup_url": lookup_url(dossier),
    }


def rating_link(dossier) -> str:
    """The applicant's signed rating link, or empty while the rating page does not exist."""
    try:
        from congvu.feedback.links import rating_url
    except ImportError:
        return ""
    try:
        return rating_url(dossier)
    except NoReverseMatch:
        return ""


def event_context(kind: str, dossier, event) -> dict:
    context = dossier_context(dossier)
    data = event.data or {}
    if kind == Kind.RECEIVED:
        context["due_at"] = when_text(dossier.due_at)
    elif kind == Kind.SUPPLEMENT_REQUESTED:
        items = [str(i) for i in data.get("items") or []]
        context.update(items=items, items_text="; ".join(items), reason=event.reason)
    elif kind == Kind.PAYMENT_DUE:
        from congvu.dossiers.models import PaymentRequest

        payment = PaymentRequest.objects.filter(dossier=dossier, paid_at__isnull=True).order_by("-requested_at", "-id").first()
        amount = data.get("amount_vnd", payment.amount_vnd if payment else None)
        context.update(amount=amount_text(amount), description=payment.description if payment else "")
    elif kind == Kind.RESULT_READY:
        names = [str(r.get("name", "")) for r in data.get("results") or [] if isinstance(r, dict)]
        context.update(results_text="; ".join(n for n in names if n), rating_url=rating_link(dossier))
    elif kind == Kind.APOLOGY:
        context.update(new_due_at=when_text(_parse_time(data.get("new_due_at")) or dossier.due_at), reason=event.reason)
    elif kind == Kind.REFUSED:
        context.update(reasons=event.reason, not_accepted=event.action == "not_accept")
    return context
