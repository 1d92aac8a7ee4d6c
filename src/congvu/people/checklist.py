"""An inspection checklist as plain data, checked before it is stored: groups (the Decision 1847/QĐ-TTg
pillars, the Decision 129/2007/QĐ-TTg office rules) of items with a code and a label. No models here, so the
shipped JSON is validated without a database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED = ("checklist_1847_129.json",)


class ChecklistError(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class ItemDef:
    code: str
    group: str
    label: str
    guidance: str = ""
    legal_basis: str = ""


@dataclass(frozen=True)
class ChecklistDef:
    code: str
    name: str
    legal_basis: str
    items: tuple[ItemDef, ...]


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def load_checklist(data) -> ChecklistDef:
    """Validate `data` (a dict read from JSON); every problem is reported at once, in Vietnamese."""
    if not isinstance(data, dict):
        raise ChecklistError([_("The checklist file must hold one object with a code, a name and groups of items.")])
    errors: list[str] = []
    code, name = _text(data.get("code")), _text(data.get("name"))
    if not code:
        errors.append(_("The checklist has no code."))
    if not name:
        errors.append(_("The checklist has no name."))
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups:
        errors.append(_("The checklist has no group of items."))
        groups = []
    items: list[ItemDef] = []
    seen: set[str] = set()
    for g_index, group in enumerate(groups, start=1):
        group_name = _text(group.get("name")) if isinstance(group, dict) else ""
        if not group_name:
            errors.append(_("Group %(n)s has no name.") % {"n": g_index})
        entries = group.get("items") if isinstance(group, dict) else None
        if not isinstance(entries, list) or not entries:
            errors.append(_("Group %(n)s has no item.") % {"n": g_index})
            continue
        for entry in entries:
            entry = entry if isinstance(entry, dict) else {}
            item_code, label = _text(entry.get("code")), _text(entry.get("label"))
            if not item_code or not label:
                errors.append(_("An item of group %(n)s lacks its code or its text.") % {"n": g_index})
                continue
            if item_code in seen:
                errors.append(_("Item code %(code)s is used twice.") % {"code": item_code})
                continue
            seen.add(item_code)
            items.append(ItemDef(item_code, group_name, label, _text(entry.get("guidance")), _text(entry.get("legal_basis"))))
    if errors:
        raise ChecklistError(errors)
    return ChecklistDef(code, name, _text(data.get("legal_basis")), tuple(items))


def shipped_checklists() -> list[ChecklistDef]:
    return [load_checklist(json.loads((DATA_DIR / name).read_text("utf-8"))) for name in SHIPPED]
