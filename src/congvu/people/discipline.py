"""Discipline forms and their order, with no Django imports: evaluation and emulation rank people by the
heaviest form they received, and the year-end rules compare against a threshold ("reprimand or above",
"warning or above").

The forms are those of Law on Cadres and Civil Servants art. 79 and Decree 112/2020 (amended by Decree
172/2025), lightest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DISCIPLINE_FORMS: tuple[str, ...] = ("reprimand", "warning", "salary_reduction", "demotion", "removal", "dismissal")

# Vietnamese names, for code that must not import the models (the models' choices carry the translated ones).
DISCIPLINE_LABELS_VI = {
    "reprimand": "Khiển trách",
    "warning": "Cảnh cáo",
    "salary_reduction": "Hạ bậc lương",
    "demotion": "Giáng chức",
    "removal": "Cách chức",
    "dismissal": "Buộc thôi việc",
}


def discipline_severity(form: str) -> int:
    """1 for a reprimand … 6 for dismissal. An unknown form is an error, not a silent 0: a typo must not
    let a disciplined person through a year-end rule."""
    try:
        return DISCIPLINE_FORMS.index(form) + 1
    except ValueError:
        raise ValueError(f"Unknown discipline form: {form!r}") from None


def heaviest(forms: Iterable[str]) -> str | None:
    """The heaviest of the forms, or None when there are none."""
    forms = list(forms)
    return max(forms, key=discipline_severity) if forms else None


def at_least(form: str, threshold: str) -> bool:
    """Whether `form` is `threshold` or heavier ("warning or above")."""
    return discipline_severity(form) >= discipline_severity(threshold)


def in_force(effective_from: dt.date | None, effective_to: dt.date | None, day: dt.date) -> bool:
    """Whether a decision applies on `day`: from its effective date (inclusive) to its end (inclusive, open
    when None)."""
    if effective_from is not None and day < effective_from:
        return False
    return effective_to is None or day <= effective_to


def check_dates(decision_date: dt.date, effective_from: dt.date | None, effective_to: dt.date | None) -> list[tuple[str, str]]:
    """(field, problem code) for inconsistent dates: effect before the decision, or an end before the start."""
    problems = []
    if effective_from is not None and effective_from < decision_date:
        problems.append(("effective_from", "before_decision"))
    start = effective_from or decision_date
    if effective_to is not None and effective_to < start:
        problems.append(("effective_to", "before_start"))
    return problems


def sort_newest_first(records: list, date_attr: str = "decision_date") -> list:
    """Records newest decision first, heavier first on the same day, then by id (stable pages)."""
    return sorted(records, key=lambda r: (getattr(r, date_attr), discipline_severity(r.form), r.pk or 0), reverse=True)
