"""Template helpers of the sync pages: a payload shown as indented JSON, and the data of the small
"Đồng bộ Cổng DVCQG" section of a dossier's own page (which its view does not need to know about)."""

import json

from django import template

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    if value in (None, ""):
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False, default=str)


@register.simple_tag(takes_context=True)
def dossier_portal_sync(context, dossier) -> dict:
    from congvu.sync import selectors  # noqa: PLC0415
    from congvu.sync.adapter import AdapterConfig  # noqa: PLC0415

    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "configured": AdapterConfig.from_settings() is not None,
        "sync": selectors.sync_of(dossier),
        "changes": list(selectors.changes_of(dossier)[:10]),
        "can_manage": selectors.can_manage_sync(user),
    }


@register.simple_tag
def portal_sync_card() -> dict:
    from congvu.sync import selectors  # noqa: PLC0415
    from congvu.sync.adapter import AdapterConfig  # noqa: PLC0415

    counts = selectors.state_counts()
    return {
        "configured": AdapterConfig.from_settings() is not None, "acknowledged": counts.get("acknowledged", 0),
        "pending": counts.get("pending", 0) + counts.get("sent", 0), "failed": counts.get("failed", 0),
    }
