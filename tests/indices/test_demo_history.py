"""The demo's history (`congvu.indices.demo`): loaded with the rest of `congvu demo` on a fresh database, it
spans the last months with realistic lateness, ratings and feedback, fills the dashboards' rollups, and a
second load adds nothing. Loading takes tens of seconds, so everything is checked in one test."""

import datetime as dt
import io
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command, get_commands
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_demo_history_spans_months_with_lateness_ratings_and_feedback():
    from congvu.core.demo import load_demo
    from congvu.dossiers.models import Apology, Dossier, DossierEvent, PaymentRequest, Routing
    from congvu.feedback.models import Feedback, Rating
    from congvu.indices import demo as history
    from congvu.indices import selectors, services
    from congvu.indices.periods import Period
    from congvu.units.models import Unit
    from congvu.workcal.services import calendar_for

    out = io.StringIO()
    assert load_demo(stdout=out) is True
    log = out.getvalue()
    assert "Lịch sử:" in log and "hồ sơ: " in log  # the summary line and the progress lines

    history_dossiers = Dossier.objects.filter(receiving_unit__code__in={o.centre for o in history.OFFICES})
    months = {timezone.localtime(d).strftime("%Y-%m") for d in history_dossiers.values_list("submitted_at", flat=True)}
    assert len(months) >= 7  # six full months and the current one

    finished = history_dossiers.exclude(timeliness="")
    late = finished.filter(timeliness="late").count()
    assert 0.05 <= late / finished.count() <= 0.20
    assert finished.filter(timeliness="early").exists() and finished.filter(timeliness="on_time").exists()
    # The units differ: Ba Đình is slower than Hoàn Kiếm, so the ranking has something to rank.
    def late_share(code):
        rows = finished.filter(handling_unit__code=code)
        return rows.filter(timeliness="late").count() / rows.count()
    assert late_share("00004") > late_share("00070")

    # Every kind of action the brief names happened, through the services (each writes its event).
    actions = Counter(DossierEvent.objects.filter(dossier__in=history_dossiers).values_list("action", flat=True))
    for action in ("submit_online", "receive", "request_supplement", "receive_supplement", "request_payment", "confirm_payment",
                   "issue_apology", "withdraw", "refuse", "stop", "record_result", "return_result", "accept_step", "forward"):
        assert actions[action] > 0, action
    assert history_dossiers.filter(supplement_count=2).exists()
    assert PaymentRequest.objects.filter(paid_online=True).exists() and Apology.objects.exists()
    assert Routing.objects.filter(to_unit__code=history.JOINT_UNIT).exists()
    assert history_dossiers.filter(return_method="electronic").exists()

    # Online filing grows: the last full month has a larger online share than the first.
    def online_share(month):
        rows = [c for c, at in history_dossiers.values_list("channel", "submitted_at") if timezone.localtime(at).strftime("%Y-%m") == month]
        return sum(c == "online" for c in rows) / len(rows)
    ordered = sorted(months)
    assert online_share(ordered[-2]) > online_share(ordered[1])

    # A handful are open and overdue today; nothing happened in the future.
    now = timezone.now()
    overdue = history_dossiers.filter(state__in=["received", "processing", "awaiting_supplement", "awaiting_payment"], due_at__lt=now)
    assert 1 <= overdue.count() <= 10
    assert not DossierEvent.objects.filter(at__gt=now).exists()

    # Staff act within office hours on working days (a sample of the events, each checked on its unit's calendar).
    staff_events = list(DossierEvent.objects.filter(dossier__in=history_dossiers, actor__isnull=False).select_related("dossier__receiving_unit"))
    for event in random.Random(5).sample(staff_events, 300):
        assert calendar_for(event.dossier.receiving_unit).is_working_instant(event.at), (event.dossier.code, event.action, event.at)

    # Ratings for a share of the returned dossiers, some dislikes; feedback answered on time, late, refused, with verdicts.
    returned = history_dossiers.filter(state="returned").count()
    ratings = Rating.objects.filter(dossier__in=history_dossiers)
    assert 0.25 * returned <= ratings.count() <= 0.45 * returned
    assert ratings.filter(dislike=True).exists() and ratings.filter(dislike=False).exists()
    feedback = Feedback.objects.exclude(responsible_unit=None)
    assert feedback.count() >= 20
    assert feedback.filter(state="published", late=False).exists() and feedback.filter(late=True).exists()
    assert feedback.filter(state="refused").count() >= 2
    assert feedback.filter(verdict="satisfied").exists() and feedback.filter(verdict="dissatisfied").exists()

    # The dashboards' rollups are filled and agree with a fresh computation from the raw records.
    assert services.check() == []
    if "rebuild_indices" in get_commands():
        call_command("rebuild_indices", "--check", stdout=io.StringIO())
    last_month = Period.containing(timezone.localdate(), "month").previous()
    summary = selectors.summary(Unit.objects.get(code="01"), last_month)
    assert summary.received > 0
    assert Decimal(0) < summary.on_time.rate < Decimal(1)

    # Loading again adds nothing, whether through `congvu demo` or this module alone.
    counts = (Dossier.objects.count(), DossierEvent.objects.count(), Rating.objects.count(), Feedback.objects.count())
    # The past months' notifications are not queued to be "sent" today.
    from congvu.notify.models import OutboxMessage

    assert not OutboxMessage.objects.filter(dossier__received_at__lt=timezone.now() - dt.timedelta(days=40)).exists()
    assert load_demo(stdout=io.StringIO()) is False
    assert history.load(io.StringIO()) is None
    assert (Dossier.objects.count(), DossierEvent.objects.count(), Rating.objects.count(), Feedback.objects.count()) == counts
