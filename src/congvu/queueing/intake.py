"""The counter intake's side of a queue ticket: the dossiers intake view carries `?ticket=<id>` from the counter
page and, once the dossier is received, links the two. A ticket that cannot be used is dropped with a message:
it never stops a dossier from being received."""

from django.contrib import messages
from django.utils.translation import gettext as _

from congvu.queueing import selectors, services
from congvu.queueing.errors import QueueError
from congvu.queueing.models import Ticket


def ticket_from_request(request) -> Ticket | None:
    """The ticket named by `ticket` (query string on GET, the form's hidden field on POST), or None; a value that
    names no usable ticket adds a warning to the page."""
    raw = (request.POST if request.method == "POST" else request.GET).get("ticket", "")
    if not raw.strip():
        return None
    ticket, problem = selectors.ticket_for_intake(request.user, raw)
    if problem:
        messages.warning(request, problem)
    return ticket


def link_received(request, ticket: Ticket, dossier) -> None:
    """Link the dossier just received to its ticket, in the same request, and say so on the next page."""
    try:
        services.link_dossier(ticket, dossier, request.user)
    except QueueError as error:
        messages.warning(request, _("The dossier was received but not linked to number %(ticket)s: %(reason)s") % {"ticket": ticket.code, "reason": error.message})
    else:
        messages.success(request, _("Dossier %(dossier)s is linked to queue number %(ticket)s.") % {"dossier": dossier.code, "ticket": ticket.code})
