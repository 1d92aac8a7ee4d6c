"""The staff feedback list and the ratings list as Excel workbooks (cells made inert by congvu.core.excel).
The sender's phone is masked as on the list page: an export is a list, and lists travel by email."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from congvu.core.excel import workbook_bytes
from congvu.feedback.forms import PERCEPTION_CHOICES, QUESTION_SHORT_LABELS, STATE_LABELS
from congvu.feedback.scoring import FACTORS, PERCEPTIONS
from congvu.feedback.selectors import answers_by_rating, is_overdue
from congvu.feedback.workflow import FeedbackState
from congvu.units.phones import mask_phone

_BATCH = 1000


def _local(at):
    return timezone.localtime(at) if at else None


def state_label(value: str) -> str:
    try:
        return str(STATE_LABELS[FeedbackState(value)])
    except ValueError:
        return value


def feedback_workbook(items) -> bytes:
    columns = [
        (_("Tracking code"), 20), (_("Received at"), 17), (pgettext("feedback", "Channel"), 16), (_("Kind"), 14), (_("About"), 16), (_("Classification"), 22),
        (_("Unit concerned"), 30), (_("Responsible unit"), 30), (_("Procedure"), 14), (_("Officer"), 22), (_("Subject"), 40),
        (_("Sender"), 22), (_("Phone"), 14), (_("Status"), 24), (_("Answer due"), 17), (_("Current deadline"), 17), (_("Overdue"), 10),
        (_("Answered at"), 17), (_("Published at"), 17), (_("A step overran"), 12), (_("Sender's verdict"), 14),
        (_("Complaint upheld"), 12),
    ]
    return workbook_bytes(_("Feedback"), columns, _feedback_rows(items))


def _feedback_rows(items):
    now = timezone.now()
    for f in items.iterator(chunk_size=_BATCH):
        yield [
            f.code, _local(f.received_at), str(f.get_channel_display()), str(f.get_nature_display()), str(f.get_subject_kind_display()),
            str(f.get_topic_display()), f.unit.name, f.responsible_unit.name, f.procedure.code if f.procedure_id else "", f.officer_name,
            f.title, f.sender_name, mask_phone(f.sender_phone), state_label(f.state), _local(f.answer_due_at), _local(f.due_at),
            _("Yes") if is_overdue(f, now) else "", _local(f.answered_at), _local(f.published_at), _("Yes") if f.late else "",
            str(f.get_verdict_display()) if f.verdict else "", upheld_text(f.upheld),
        ]


def upheld_text(upheld: bool | None) -> str:
    """The unit's finding on a complaint about an officer; blank where none was recorded."""
    if upheld is None:
        return ""
    return _("Upheld") if upheld else _("Not upheld")


def ratings_workbook(ratings) -> bytes:
    columns = [
        (_("Rated at"), 17), (_("Dossier code"), 26), (_("Procedure code"), 12), (_("Receiving unit"), 30), (_("Handling unit"), 30),
        (_("Receiving officer"), 24),
    ] + [(str(question_label(f.value)), 12) for f in FACTORS] + [(str(question_label(p.value)), 14) for p in PERCEPTIONS] + [
        (_("Mean score"), 10), (_("Dissatisfied"), 10), (_("Dossier timeliness"), 12), (_("Comment"), 40),
    ]
    return workbook_bytes(_("Ratings"), columns, _rating_rows(ratings))


def question_label(question: str) -> str:
    return str(QUESTION_SHORT_LABELS.get(question, question))


def perception_text(question, value) -> str:
    if value is None:
        return ""
    return str(dict(PERCEPTION_CHOICES[question]).get(value, value))


def _rating_rows(ratings):
    batch = []
    for rating in ratings.iterator(chunk_size=_BATCH):
        batch.append(rating)
        if len(batch) == _BATCH:
            yield from _rating_batch(batch)
            batch = []
    yield from _rating_batch(batch)


def _rating_batch(batch):
    answers = answers_by_rating(batch)
    for r in batch:
        values = answers.get(r.pk, {})
        officer = (r.officer.get_full_name() or r.officer.get_username()) if r.officer_id else ""
        yield [
            _local(r.submitted_at), r.dossier.code, r.procedure.code, r.receiving_unit.name, r.handling_unit.name, officer,
            *[values.get(f.value) for f in FACTORS], *[perception_text(p, values.get(p.value)) for p in PERCEPTIONS],
            float(r.mean_score), _("Yes") if r.dislike else "", r.dossier_timeliness, r.comment,
        ]


def sipas_workbook(result) -> bytes:
    """The SIPAS page as a sheet: each factor and the overall figure, then the official survey results."""
    columns = [(_("Factor"), 40), (_("Answers"), 10), (_("Satisfied answers"), 12), (_("Index (%)"), 10), (_("95% CI from (%)"), 12),
               (_("95% CI to (%)"), 12), (_("Significant"), 14), (_("Unit"), 30), (_("Period"), 22), (_("Source"), 40)]
    unit, period = result.unit.name, result.period.label
    rows = []
    for estimate in [*result.factors, result.overall]:
        rows.append([estimate.name, estimate.answers, estimate.satisfied, estimate.percent, estimate.low_percent, estimate.high_percent,
                     _("yes") if estimate.significant else _("no (sample below %(n)s)") % {"n": result.min_sample}, unit, period,
                     result.settings_name])
    for official in result.official:
        rows.append([_("Official survey %(year)s: %(factor)s") % {"year": official.year, "factor": _factor_name(official.factor)},
                     official.sample_size, None, official.value, None, None, "", unit, str(official.year), official.source])
    return workbook_bytes(_("SIPAS index"), columns, rows)


def _factor_name(code: str) -> str:
    from congvu.feedback.sipas import FACTOR_NAMES

    return str(FACTOR_NAMES.get(code, code))


def official_template(unit_code: str, year: int) -> bytes:
    """The import template: the header the importer reads and one example row per factor."""
    from congvu.feedback.official_import import COLUMNS, FACTOR_CODES

    columns = [(name, 16 if name != "nguon" else 50) for name in COLUMNS]
    rows = [[year, unit_code, code, None, None, "Quyết định số …/QĐ-… công bố Chỉ số SIPAS năm %s" % year] for code in FACTOR_CODES]
    return workbook_bytes("SIPAS", columns, rows)
