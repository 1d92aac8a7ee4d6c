"""Excel exports of the emulation pages (formula-injection safe through congvu.core.excel)."""

from django.utils.translation import gettext as _

from congvu.core.excel import workbook_bytes
from congvu.emulation.titles import catalogue


def _number(value):
    return None if value is None else float(value)


def movement_workbook(movement, rows) -> bytes:
    criteria = list(movement.criteria.all())
    columns = [(_("Rank"), 8), (_("Participant"), 40), (_("Unit"), 40), (_("Commitment"), 60)]
    columns += [(f"{c.code}. {c.name}", 14) for c in criteria] + [(_("Points"), 10), (_("Year-end rating"), 30)]
    scores = {}
    for row in rows:
        scores[row.participant.pk] = {s.criterion_id: s.points for s in row.participant.scores.all()}
    return workbook_bytes(_("Results"), columns, (
        [r.rank, r.participant.display_name, r.participant.unit.name, r.participant.commitment]
        + [_number(scores[r.participant.pk].get(c.pk)) for c in criteria] + [_number(r.points), r.level_label]
        for r in rows
    ))


def initiatives_workbook(items) -> bytes:
    columns = [(_("Year"), 8), (_("Initiative"), 60), (_("Authors"), 40), (_("Unit"), 40), (_("Scope of effect"), 18),
               (_("Recognised by"), 30), (_("Decision number"), 20), (_("Decision date"), 14)]
    return workbook_bytes(_("Initiatives"), columns, (
        [i.year, i.title, ", ".join(a.get_full_name() or a.username for a in i.authors.all()), i.unit.name,
         i.get_scope_display() if i.scope else _("Not recognised yet"), i.recognised_by, i.decision_number, i.decision_date]
        for i in items
    ))


def proposal_workbook(proposal) -> bytes:
    cat = catalogue()
    columns = [(_("Title or commendation"), 36), (_("Candidate"), 36), (_("Year-end rating"), 28), (_("Points"), 10),
               (_("Qualifies"), 10), (_("Proposed"), 10), (_("Reasons"), 90), (_("Reason for the change"), 40)]
    yes, no = _("Yes"), _("No")
    return workbook_bytes(_("Proposal %(year)s") % {"year": proposal.year}, columns, (
        [cat.name_of(ln.title), (ln.user.get_full_name() or ln.user.username) if ln.user_id else proposal.unit.name,
         ln.level_label, _number(ln.points), yes if ln.qualifies else no, yes if ln.proposed else no,
         "\n".join(("✓ " if met else "✗ ") + text for met, text in ln.reasons), ln.adjustment_reason]
        for ln in proposal.lines.select_related("user").order_by("order", "pk")
    ))


def register_workbook(awards) -> bytes:
    cat = catalogue()
    columns = [(_("Decision number"), 20), (_("Decision date"), 14), (_("Signed by"), 30), (_("Issuing unit"), 36), (_("Year"), 8),
               (_("Title or commendation"), 36), (_("Awarded to"), 36), (_("Unit"), 36), (_("Reward (VND)"), 14)]
    return workbook_bytes(_("Commendation register"), columns, (
        [a.decision.number, a.decision.date, a.decision.signer, a.decision.issuer.name, a.year, cat.name_of(a.title), a.recipient,
         a.unit.name, _number(a.amount)]
        for a in awards.iterator(chunk_size=2000)
    ))
