"""The notification pages' Vietnamese is their own, and they do not reword anyone else's: Django merges every
app's catalogue and the app listed first in INSTALLED_APPS wins a msgid they share."""

from pathlib import Path

from django.apps import apps
from django.utils import translation

from tests.core.test_translations import parse_po

SRC = Path(__file__).resolve().parents[2] / "src/congvu"
NOTIFY_PO = SRC / "notify/locale/vi/LC_MESSAGES/django.po"


def _effective(ctx, msgid):
    return translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid)


def test_no_other_catalogue_overrides_the_notify_wording():
    with translation.override("vi"):
        overridden = {m: (_effective(c, m), s) for (c, m), (s, _f) in parse_po(NOTIFY_PO).items() if _effective(c, m) != s}
    assert not overridden


def test_notify_does_not_reword_the_apps_listed_after_it():
    names = [a.name for a in apps.get_app_configs()]
    later = [n.rsplit(".", 1)[1] for n in names[names.index("congvu.notify") + 1:] if n.startswith("congvu.")]
    mine = parse_po(NOTIFY_PO)
    clashes = {}
    with translation.override("vi"):
        for app in later:
            po = SRC / app / "locale/vi/LC_MESSAGES/django.po"
            if po.exists():
                for key, (theirs, _f) in parse_po(po).items():
                    # Ours is what their page shows (no app listed before us decides it), and it is not theirs.
                    if key in mine and mine[key][0] != theirs and _effective(*key) == mine[key][0]:
                        clashes[(app, *key)] = (mine[key][0], theirs)
    assert not clashes, "give the notify string a context (pgettext) or the same translation"
