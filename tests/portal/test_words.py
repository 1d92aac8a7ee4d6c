"""The portal's Vietnamese is its own: Django merges every app's catalogue and the apps listed first win (the
admin calls "History" "Bản ghi nhớ"), so a citizen page could show another app's wording. Every string of the
portal's catalogue must come out exactly as the portal translated it."""

from pathlib import Path

from django.utils import translation

from tests.core.test_translations import parse_po

PORTAL_PO = Path(__file__).resolve().parents[2] / "src/congvu/portal/locale/vi/LC_MESSAGES/django.po"


def test_no_other_catalogue_overrides_the_portal_wording():
    with translation.override("vi"):
        overridden = {
            msgid: (translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid), msgstr)
            for (ctx, msgid), (msgstr, _fuzzy) in parse_po(PORTAL_PO).items()
            if (translation.pgettext(ctx, msgid) if ctx else translation.gettext(msgid)) != msgstr
        }
    assert not overridden
