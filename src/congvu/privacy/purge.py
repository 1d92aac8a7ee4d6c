"""Purge personal data whose retention period is over (Decree 13/2023 art. 3: kept no longer than the
purpose needs; art. 16: deleted when the purpose is over).

Only the personal part goes. A dossier keeps its code, procedure, units, dates, states, steps and events; a
feedback item its unit, kind, topic, dates, states and outcome; a rating its scores. So every fact, rollup,
count and index computed from them stays the same — and nothing here writes the columns they read, nor
`updated_at` (bulk UPDATEs), so the incremental refresh of the indices sees no change either.

Each kind runs in batches, one transaction per batch, with progress; each run is audited in `PurgeRun`
(dry runs too, with what they would have done).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from congvu.core.text import fold
from congvu.privacy.masking import mask_recipient
from congvu.privacy.models import DataType, PurgeRun, RetentionPolicy
from congvu.privacy.retention import ensure_default_policies

ANONYMOUS_NAME = "(đã ẩn danh)"
BATCH = 500

Progress = Callable[[str, int, int], None]


def months_before(now: dt.datetime, months: int) -> dt.datetime:
    """The same local day and time `months` months earlier (the last day of a shorter month)."""
    local = timezone.localtime(now)
    year, month = divmod(local.year * 12 + (local.month - 1) - months, 12)
    month += 1
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


# ------------------------------------------------------------------------------------------------ per kind
# Each kind: the ids that are expired and still hold personal data, and how to clear a batch of them.


def _dossier_applicants(cutoff):
    from congvu.dossiers.models import Dossier
    from congvu.dossiers.states import OPEN_STATES, DossierState

    # Open dossiers and results still waiting to be collected are never purged, however old.
    kept = [s.value for s in OPEN_STATES] + [DossierState.RESULT_READY.value]
    return (
        Dossier.objects.exclude(state__in=kept).exclude(applicant__full_name=ANONYMOUS_NAME)
        .annotate(ended=Coalesce("returned_at", "finished_at", "updated_at")).filter(ended__lt=cutoff)
        .order_by("id").values_list("id", flat=True)
    )


def _clear_dossiers(ids) -> None:
    from congvu.dossiers.models import Applicant, Dossier

    dossiers = list(Dossier.objects.filter(pk__in=ids).select_related("applicant"))
    Applicant.objects.filter(pk__in=[d.applicant_id for d in dossiers]).update(
        full_name=ANONYMOUS_NAME, personal_id="", phone="", email="", address="",
    )
    for d in dossiers:
        # The organisation's name and tax code are not a natural person's data and stay findable.
        a = d.applicant
        text = fold(" ".join(filter(None, [d.code, a.organisation_name, a.tax_code])))
        Dossier.objects.filter(pk=d.pk).update(search_text=text, summary="", returned_to="")


def _intake_applicants(cutoff):
    from congvu.dossiers.models import IntakeRecord

    return IntakeRecord.objects.filter(at__lt=cutoff).exclude(applicant__full_name=ANONYMOUS_NAME).order_by("id").values_list("id", flat=True)


def _clear_intake(ids) -> None:
    from congvu.dossiers.models import Applicant, IntakeRecord

    applicant_ids = IntakeRecord.objects.filter(pk__in=ids).values_list("applicant_id", flat=True)
    Applicant.objects.filter(pk__in=list(applicant_ids)).update(full_name=ANONYMOUS_NAME, personal_id="", phone="", email="", address="")


def _feedback_senders(cutoff):
    from congvu.feedback.models import Feedback

    has_sender = ~Q(sender_name="") | ~Q(sender_phone="") | ~Q(sender_email="")
    return (
        Feedback.objects.filter(has_sender).annotate(ended=Coalesce("closed_at", "answered_at", "refused_at"))
        .filter(ended__lt=cutoff).order_by("id").values_list("id", flat=True)
    )


def _clear_feedback(ids) -> None:
    from congvu.feedback.models import Feedback

    Feedback.objects.filter(pk__in=ids).update(sender_name="", sender_phone="", sender_email="")
    for f in Feedback.objects.filter(pk__in=ids).only("id", "code", "dossier_code", "title", "officer_name", "content",
                                                      "sender_name", "sender_phone", "sender_email"):
        f.refresh_search_text()
        Feedback.objects.filter(pk=f.pk).update(search_text=f.search_text)


def _rating_comments(cutoff):
    from congvu.feedback.models import Rating

    return Rating.objects.filter(submitted_at__lt=cutoff).exclude(comment="").order_by("id").values_list("id", flat=True)


def _clear_ratings(ids) -> None:
    from congvu.feedback.models import Rating

    Rating.objects.filter(pk__in=ids).update(comment="")


def _notifications(cutoff):
    from congvu.notify.models import OutboxMessage, Status

    # Pending and sending messages are still on their way; only finished ones are purged.
    return (
        OutboxMessage.objects.exclude(status__in=[Status.PENDING, Status.SENDING]).filter(created_at__lt=cutoff)
        .exclude(body="").order_by("id").values_list("id", flat=True)
    )


def _clear_notifications(ids) -> None:
    from congvu.notify.models import OutboxMessage

    for m in OutboxMessage.objects.filter(pk__in=ids).only("id", "recipient"):
        masked = mask_recipient(m.recipient)
        OutboxMessage.objects.filter(pk=m.pk).update(recipient=masked, subject="", body="", search_text=fold(masked))


def _portal_calls(cutoff):
    from congvu.sync.models import PortalCall

    return PortalCall.objects.filter(at__lt=cutoff).exclude(request={}).order_by("id").values_list("id", flat=True)


def _clear_portal_calls(ids) -> None:
    from congvu.sync.models import PortalCall

    PortalCall.objects.filter(pk__in=ids).update(request={}, answer=None, answer_text="")


def _access_log(cutoff):
    from congvu.privacy.models import AccessLogEntry

    return AccessLogEntry.objects.filter(at__lt=cutoff).order_by("id").values_list("id", flat=True)


def _delete_access_log(ids) -> None:
    from congvu.privacy.models import AccessLogEntry

    AccessLogEntry.objects.filter(pk__in=ids).delete()


def _data_requests(cutoff):
    from congvu.privacy.models import DataRequest, RequestState

    return DataRequest.objects.exclude(state=RequestState.OPEN).filter(closed_at__lt=cutoff).order_by("id").values_list("id", flat=True)


def _delete_data_requests(ids) -> None:
    from congvu.privacy.models import DataRequest

    DataRequest.objects.filter(pk__in=ids).delete()


@dataclass(frozen=True)
class Kind:
    expired: Callable
    clear: Callable


KINDS = {
    DataType.DOSSIER_APPLICANT: Kind(_dossier_applicants, _clear_dossiers),
    DataType.INTAKE_APPLICANT: Kind(_intake_applicants, _clear_intake),
    DataType.FEEDBACK_SENDER: Kind(_feedback_senders, _clear_feedback),
    DataType.RATING_COMMENT: Kind(_rating_comments, _clear_ratings),
    DataType.NOTIFICATION: Kind(_notifications, _clear_notifications),
    DataType.PORTAL_CALL: Kind(_portal_calls, _clear_portal_calls),
    DataType.ACCESS_LOG: Kind(_access_log, _delete_access_log),
    DataType.DATA_REQUEST: Kind(_data_requests, _delete_data_requests),
}


def purge(*, dry_run: bool = False, now: dt.datetime | None = None, run_by: str = "", progress: Progress | None = None) -> PurgeRun:
    """Anonymise or delete every kind's expired personal data under the retention periods in force."""
    now = now or timezone.now()
    ensure_default_policies()
    run = PurgeRun.objects.create(started_at=timezone.now(), dry_run=dry_run, run_by=run_by[:200])
    results = {}
    for policy in RetentionPolicy.objects.order_by("data_type"):
        kind = KINDS.get(policy.data_type)
        if kind is None:
            continue
        if not policy.enabled:
            results[policy.data_type] = {"months": policy.months, "enabled": False, "count": 0}
            continue
        cutoff = months_before(now, policy.months)
        # The ids are read once, before any change: a batch never shifts the next one's window.
        ids = list(kind.expired(cutoff))
        total = len(ids)
        if progress:
            progress(policy.data_type, 0, total)
        if not dry_run:
            for start in range(0, total, BATCH):
                batch = ids[start:start + BATCH]
                with transaction.atomic():
                    kind.clear(batch)
                if progress:
                    progress(policy.data_type, min(start + BATCH, total), total)
        results[policy.data_type] = {"months": policy.months, "enabled": True, "cutoff": cutoff.isoformat(), "count": total}
    run.results = results
    run.finished_at = timezone.now()
    run.save(update_fields=["results", "finished_at"])
    return run
