"""What each counter action allows, in which state, and the Vietnamese message when it does not; a refused
action writes nothing."""

import pytest

from congvu.queueing import services
from congvu.queueing.errors import QueueError
from congvu.queueing.models import Counter, Ticket, TicketStatus, Transfer, Visit, VisitOutcome
from tests.queueing.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def called(queue):
    """A001 called to counter 1 at 08:10 (issued at 08:00)."""
    ticket = services.issue_ticket(queue.unit, queue.a, at=at(0))
    services.call_next(queue.c1, queue.officer, at=at(10))
    ticket.refresh_from_db()
    return ticket


def snapshot():
    return (
        list(Ticket.objects.order_by("pk").values()), list(Visit.objects.order_by("pk").values()), Transfer.objects.count(),
        list(Counter.objects.order_by("pk").values("pk", "officer_id")),
    )


def refused(action, *args, **kwargs) -> QueueError:
    before = snapshot()
    with pytest.raises(QueueError) as error:
        action(*args, **kwargs)
    assert snapshot() == before, "a refused action must write nothing"
    return error.value


def test_recall_announces_again_and_counts(queue, called):
    services.recall(called, queue.c1, queue.officer, at=at(11))
    services.recall(called, queue.c1, queue.officer, at=at(12))
    called.refresh_from_db()
    visit = Visit.objects.get(ticket=called)
    assert (called.status, called.called_at, called.first_called_at, called.recall_count) == (TicketStatus.CALLED, at(12), at(10), 2)
    assert (visit.recalls, visit.called_at) == (2, at(10))  # waiting time still ends at the first call


def test_skip_then_recall_when_the_citizen_comes_back(queue, called):
    services.skip(called, queue.c1, queue.officer, at=at(13))
    called.refresh_from_db()
    assert called.status == TicketStatus.SKIPPED
    first = Visit.objects.get(ticket=called)
    assert (first.outcome, first.ended_at) == (VisitOutcome.SKIPPED, at(13))
    services.recall(called, queue.c1, queue.officer, at=at(20))
    called.refresh_from_db()
    assert (called.status, called.recall_count, called.called_at) == (TicketStatus.CALLED, 1, at(20))
    second = Visit.objects.filter(ticket=called).order_by("pk").last()
    assert (second.waited_from, second.called_at, second.recalls, second.outcome) == (at(13), at(20), 1, "")


def test_start_and_finish(queue, called):
    services.start_serving(called, queue.c1, queue.officer, at=at(11))
    services.finish(called, queue.c1, queue.officer, at=at(19))
    called.refresh_from_db()
    visit = Visit.objects.get(ticket=called)
    assert (called.status, called.served_started_at, called.served_finished_at) == (TicketStatus.DONE, at(11), at(19))
    assert (visit.started_at, visit.ended_at, visit.outcome) == (at(11), at(19), VisitOutcome.DONE)


def test_finish_before_the_citizen_came_is_refused(queue, called):
    error = refused(services.finish, called, queue.c1, queue.officer, at=at(12))
    assert error.message == (
        "Không thể kết thúc số A001 vì số này đang được mời lên quầy. "
        "Hãy bấm “Bắt đầu phục vụ” khi công dân đã đến quầy, hoặc “Bỏ qua” nếu công dân không đến."
    )
    assert error.code == "wrong_state" and error.status == 409


def test_skip_while_serving_is_refused(queue, called):
    services.start_serving(called, queue.c1, queue.officer, at=at(11))
    error = refused(services.skip, called, queue.c1, queue.officer, at=at(12))
    assert error.message == "Không thể bỏ qua số A001 vì số này đang được phục vụ. Hãy kết thúc hoặc chuyển số này."


def test_actions_on_a_finished_ticket_are_refused(queue, called):
    services.start_serving(called, queue.c1, queue.officer, at=at(11))
    services.finish(called, queue.c1, queue.officer, at=at(12))
    messages = {
        services.recall: "Không thể gọi lại số A001 vì số này đã được phục vụ xong. Chỉ gọi lại được số đang được mời lên quầy hoặc số đã bỏ qua.",
        services.start_serving: "Không thể bắt đầu phục vụ số A001 vì số này đã được phục vụ xong. Chỉ bắt đầu phục vụ được số vừa được mời lên quầy.",
        services.skip: "Không thể bỏ qua số A001 vì số này đã được phục vụ xong. Chỉ bỏ qua được số đang được mời lên quầy.",
        services.finish: "Không thể kết thúc số A001 vì số này đã được phục vụ xong. Chỉ kết thúc được số đang được phục vụ.",
    }
    for action, message in messages.items():
        assert refused(action, called, queue.c1, queue.officer, at=at(13)).message == message
    error = refused(services.transfer, called, queue.c1, queue.officer, to_group=queue.b, at=at(13))
    assert error.message == "Không thể chuyển số A001 vì số này đã được phục vụ xong. Chỉ chuyển được số đang ở quầy."


def test_a_waiting_ticket_cannot_be_started_or_skipped(queue):
    ticket = services.issue_ticket(queue.unit, queue.a, at=at(0))
    assert refused(services.start_serving, ticket, queue.c1, queue.officer, at=at(1)).message.startswith(
        "Không thể bắt đầu phục vụ số A001 vì số này đang chờ được gọi.")
    assert refused(services.skip, ticket, queue.c1, queue.officer, at=at(1)).message.startswith("Không thể bỏ qua số A001 vì số này đang chờ được gọi.")


def test_another_counters_ticket_is_refused(queue, called):
    error = refused(services.start_serving, called, queue.c2, queue.officer2, at=at(11))
    assert error.message == "Không thể bắt đầu phục vụ số A001 vì số này không ở Quầy 2."
    error = refused(services.recall, called, queue.c2, queue.officer2, at=at(11))
    assert error.message == "Không thể gọi lại số A001 vì số này không ở Quầy 2."


def test_recall_of_a_skipped_ticket_needs_a_free_counter(queue, called):
    services.skip(called, queue.c1, queue.officer, at=at(11))
    services.issue_ticket(queue.unit, queue.a, at=at(12))
    services.call_next(queue.c1, queue.officer, at=at(13))
    error = refused(services.recall, called, queue.c1, queue.officer, at=at(14))
    assert error.message == (
        "Quầy 1 đang có số A002 (đang được mời lên quầy); hãy kết thúc, bỏ qua hoặc chuyển số này trước khi gọi lại số đã bỏ qua."
    )


def test_transfer_to_a_counter_records_history(queue, called):
    services.start_serving(called, queue.c1, queue.officer, at=at(11))
    services.transfer(called, queue.c1, queue.officer, to_counter=queue.c3, note="  Cần   hỏi địa chính ", at=at(14))
    called.refresh_from_db()
    assert (called.status, called.queued_at, called.target_counter_id, called.served_started_at) == (TicketStatus.TRANSFERRED, at(14), queue.c3.pk, None)
    transfer = Transfer.objects.get()
    assert (transfer.from_counter_id, transfer.to_counter_id, transfer.to_group_id, transfer.by_id, transfer.note) == (
        queue.c1.pk, queue.c3.pk, None, queue.officer.pk, "Cần hỏi địa chính")
    visit = Visit.objects.get(ticket=called)
    assert (visit.outcome, visit.started_at, visit.ended_at) == (VisitOutcome.TRANSFERRED, at(11), at(14))


def test_transfer_needs_one_valid_destination(queue, called, place):
    other_centre = Counter.objects.create(unit=place.b, number=1)
    cases = [
        ({}, "Chọn một quầy hoặc một nhóm dịch vụ để chuyển đến."),
        ({"to_counter": queue.c2, "to_group": queue.b}, "Chọn một quầy hoặc một nhóm dịch vụ để chuyển đến."),
        ({"to_counter": queue.c1}, "Không thể chuyển số sang chính quầy đang phục vụ."),
        ({"to_counter": other_centre}, "Quầy 1 không thuộc trung tâm này."),
        ({"to_group": queue.a, "note": "x" * 256}, "Ghi chú quá dài (tối đa 255 ký tự)."),
    ]
    for kwargs, message in cases:
        error = refused(services.transfer, called, queue.c1, queue.officer, at=at(12), **kwargs)
        assert (error.message, error.status) == (message, 400), kwargs
    queue.c3.active = False
    queue.c3.save()
    assert refused(services.transfer, called, queue.c1, queue.officer, to_counter=queue.c3, at=at(12)).message == "Quầy 3 đang đóng."


def test_take_counter_moves_the_officer_and_keeps_one_counter_each(queue):
    services.take_counter(queue.c3, queue.officer)
    queue.c1.refresh_from_db()
    queue.c3.refresh_from_db()
    assert queue.c1.officer_id is None and queue.c3.officer_id == queue.officer.pk
    services.take_counter(queue.c3, queue.officer2)  # a shift change
    assert Counter.objects.filter(officer=queue.officer2).get().pk == queue.c3.pk


def test_an_officer_with_a_citizen_cannot_change_or_leave_the_counter(queue, called):
    error = refused(services.take_counter, queue.c3, queue.officer)
    assert error.message == "Quầy 1 đang có số A001 (đang được mời lên quầy); hãy kết thúc, bỏ qua hoặc chuyển số này trước khi sang quầy khác."
    error = refused(services.leave_counter, queue.c1, queue.officer)
    assert error.message.endswith("trước khi rời quầy.")
    services.skip(called, queue.c1, queue.officer, at=at(11))
    services.leave_counter(queue.c1, queue.officer)
    queue.c1.refresh_from_db()
    assert queue.c1.officer_id is None


def test_staff_of_another_unit_cannot_take_the_counter(queue, staff):
    error = refused(services.take_counter, queue.c3, staff.other)
    assert (error.message, error.status) == ("Bạn không thuộc đơn vị của quầy này.", 403)
