"""Receiving a dossier from a queue ticket: the counter opens the intake with `?ticket=`, the intake carries it,
and the dossier received is linked to the ticket in the same request. A ticket that cannot be used is set aside
with a message and never stops the intake."""

import pytest
from django.urls import reverse

from congvu.dossiers.models import Dossier
from congvu.queueing import services
from congvu.queueing.errors import QueueError
from congvu.queueing.models import ServiceGroup, Ticket, TicketStatus, Visit
from tests.dossiers.test_pages import intake_data

pytestmark = pytest.mark.django_db

INTAKE = reverse("dossiers:intake")
LINKED = "đã được gắn với số thứ tự A001"


@pytest.fixture
def called(queue):
    services.issue_ticket(queue.unit, queue.a)
    return services.call_next(queue.c1, queue.officer)


@pytest.fixture
def officer_client(client, queue):
    client.force_login(queue.officer)
    return client


def test_counter_page_opens_the_intake_with_the_ticket_and_the_groups_procedures(officer_client, queue, called, catalogue):
    queue.a.procedures.set([catalogue.five.procedure])
    html = officer_client.get(reverse("queueing:counter", args=[queue.c1.pk])).content.decode()
    assert f'accesskey="h" href="{INTAKE}?ticket={called.pk}"' in html
    assert f'href="{INTAKE}?procedure={catalogue.five.procedure.code}&amp;ticket={called.pk}">{catalogue.five.name}</a>' in html


def test_intake_carries_the_ticket_through_search_and_form(officer_client, called, catalogue):
    search = officer_client.get(INTAKE, {"ticket": called.pk, "q": "dang ky lai khai sinh"}).content.decode()
    assert 'id="queue-ticket"' in search and "Tiếp nhận cho số thứ tự A001" in search
    assert f'<input type="hidden" name="ticket" value="{called.pk}">' in search
    assert f'url.searchParams.set("ticket", "{called.pk}")' in search  # the procedures found keep the ticket
    form = officer_client.get(INTAKE, {"ticket": called.pk, "procedure": catalogue.five.procedure.code}).content.decode()
    assert f'<input type="hidden" name="ticket" value="{called.pk}">' in form
    assert f'href="{reverse("queueing:counter", args=[called.counter_id])}"' in form


def test_receiving_from_a_ticket_links_both(officer_client, called, catalogue):
    response = officer_client.post(INTAKE, {**intake_data(catalogue.five), "ticket": str(called.pk)}, follow=True)
    dossier = Dossier.objects.get()
    called.refresh_from_db()
    assert called.dossier_id == dossier.pk and called.status == TicketStatus.SERVING  # the citizen is clearly being served
    assert Visit.objects.get(ticket=called).started_at is not None
    html = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("dossiers:detail", args=[dossier.code]))
    assert f"Hồ sơ {dossier.code} {LINKED}." in html
    counter_page = officer_client.get(reverse("queueing:counter", args=[called.counter_id])).content.decode()
    assert f'href="{reverse("dossiers:detail", args=[dossier.code])}">{dossier.code}</a>' in counter_page
    assert "?ticket=" not in counter_page  # received: no second intake offered for this ticket


@pytest.mark.parametrize("value", ["abc", "999999", "-1", "1" * 40, "³"])
def test_an_unknown_ticket_is_ignored_with_a_message(officer_client, called, catalogue, value):
    page = officer_client.get(INTAKE, {"ticket": value, "procedure": catalogue.five.procedure.code})
    html = page.content.decode()
    assert page.status_code == 200 and "được tiếp nhận mà không gắn số thứ tự." in html
    assert 'name="ticket"' not in html
    response = officer_client.post(INTAKE, {**intake_data(catalogue.five), "ticket": value}, follow=True)
    assert Dossier.objects.count() == 1 and response.status_code == 200
    called.refresh_from_db()
    assert called.dossier_id is None and LINKED not in response.content.decode()


def test_a_ticket_of_another_unit_reads_as_unknown(client, queue, place, staff, catalogue):
    group = ServiceGroup.objects.create(unit=place.centre, prefix="Z", name="Khác")
    ticket = services.issue_ticket(place.centre, group)
    client.force_login(staff.other)
    html = client.get(INTAKE, {"ticket": ticket.pk}).content.decode()
    assert f"Không tìm thấy số thứ tự “{ticket.pk}”" in html and 'name="ticket"' not in html


def test_a_waiting_or_already_linked_ticket_is_not_used(officer_client, queue, called, catalogue, receive):
    waiting = services.issue_ticket(queue.unit, queue.a)
    html = officer_client.get(INTAKE, {"ticket": waiting.pk}).content.decode()
    assert "Không thể gắn hồ sơ với số A002 vì số này đang chờ được gọi." in html and 'name="ticket"' not in html
    first = receive()
    services.link_dossier(called, first, queue.officer)
    response = officer_client.post(INTAKE, {**intake_data(catalogue.five), "ticket": str(called.pk)}, follow=True)
    assert Dossier.objects.count() == 2
    assert f"Số A001 đã gắn với hồ sơ {first.code}." in response.content.decode()
    called.refresh_from_db()
    assert called.dossier_id == first.pk


def test_a_ticket_that_changed_meanwhile_still_lets_the_dossier_in(officer_client, queue, called, catalogue):
    """The page was opened while the number was at the counter; it was skipped before the form was sent."""
    services.skip(called, queue.c1, queue.officer)
    response = officer_client.post(INTAKE, {**intake_data(catalogue.five), "ticket": str(called.pk)}, follow=True)
    assert Dossier.objects.count() == 1
    assert "Không thể gắn hồ sơ với số A001 vì số này đã bị bỏ qua." in response.content.decode()


def test_link_dossier_rules(queue, called, receive, place, staff):
    dossier = receive()
    services.link_dossier(called, dossier, queue.officer)
    assert services.link_dossier(called, dossier, queue.officer).dossier_id == dossier.pk  # again: nothing to do
    elsewhere = ServiceGroup.objects.create(unit=place.b, prefix="A", name="Xã")
    other = services.issue_ticket(place.b, elsewhere)
    Ticket.objects.filter(pk=other.pk).update(status=TicketStatus.CALLED)
    with pytest.raises(QueueError) as error:
        services.link_dossier(other, receive(), None)
    assert error.value.message.startswith("Hồ sơ ") and error.value.message.endswith("được tiếp nhận tại đơn vị khác với nơi phát số A001.")
    with pytest.raises(QueueError) as error:
        services.link_dossier(other, dossier, staff.officer)
    assert error.value.status == 403
    other.refresh_from_db()
    assert other.dossier_id is None
