"""Excel exports of the PAR pages (formula-injection safe through congvu.core.excel)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from congvu.core.excel import workbook_bytes
from congvu.reform import selectors, services
from congvu.reform.models import AssessmentState


def _number(value):
    return None if value is None else float(value)


def results_workbook(framework, rows) -> bytes:
    states = dict(AssessmentState.choices)
    columns = [(_("Rank"), 8), (_("Unit"), 45), (_("Code"), 14), (_("Final score"), 12), (_("Band"), 8),
               (_("Self-assessed score"), 14), (_("State"), 30)]
    return workbook_bytes(_("PAR index %(year)s") % {"year": framework.year}, columns, (
        [r.rank, r.unit.name, r.unit.code, _number(r.score), r.band, _number(r.self_score), str(states.get(r.state, _("Not started")))]
        for r in rows
    ))


def criteria_workbook(framework) -> bytes:
    columns = [(_("Code"), 10), (_("Criterion"), 70), (_("Maximum points"), 12), (_("Bound metric"), 20), (_("Guidance"), 50)]
    return workbook_bytes(_("Criteria"), columns, (
        [c.code, "    " * depth + c.name, _number(c.max_points), services.metric_label(c.metric) if c.metric else "", c.guidance]
        for c, depth, _leaf in selectors.framework_tree(framework)
    ))


def external_workbook(items) -> bytes:
    columns = [(_("Year"), 8), (_("Index"), 40), (_("Unit"), 40), (_("Score"), 10), (_("Rank"), 8), (_("Number of provinces ranked"), 12),
               (_("Source"), 40), (pgettext("external index", "Note"), 40), (_("Updated at"), 18)]
    return workbook_bytes(_("External indices"), columns, (
        [i.year, i.get_kind_display(), i.unit.name, _number(i.score), i.rank, i.ranked_count, i.source, i.note, timezone.localtime(i.updated_at)]
        for i in items
    ))
