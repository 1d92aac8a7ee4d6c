"""Vietnamese is the default language: every string the UI shows must have a Vietnamese translation,
and the compiled catalogue that Django loads must match its source."""

import ast
import gettext
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "congvu"
APPS_WITH_LOCALE = sorted(p.parents[3] for p in SRC.glob("*/locale/vi/LC_MESSAGES/django.po"))


def parse_po(path: Path) -> dict[tuple[str, str], tuple[str, bool]]:
    """(msgctxt, msgid) → (msgstr, fuzzy) for a .po file (plural forms keyed by the singular, msgstr[0])."""
    entries: dict[tuple[str, str], tuple[str, bool]] = {}
    msgctxt = ""
    msgid = msgstr = None
    fuzzy = False
    field = None

    def flush():
        if msgid:  # the header entry has an empty msgid
            entries[(msgctxt, msgid)] = (msgstr or "", fuzzy)

    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            flush()
            msgctxt = ""
            msgid = msgstr = None
            fuzzy = False
            field = None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            msgctxt, field = _unquote(line[8:]), "msgctxt"
        elif line.startswith("msgid_plural"):
            field = "plural"
        elif line.startswith("msgid "):
            msgid, field = _unquote(line[6:]), "msgid"
        elif line.startswith("msgstr[0] ") or line.startswith("msgstr "):
            msgstr, field = _unquote(line.split(" ", 1)[1]), "msgstr"
        elif line.startswith("msgstr["):
            field = "other"
        elif line.startswith('"'):
            if field == "msgctxt":
                msgctxt += _unquote(line)
            elif field == "msgid":
                msgid += _unquote(line)
            elif field == "msgstr":
                msgstr += _unquote(line)
    return entries


def _unquote(s: str) -> str:
    # PO strings use C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(s.strip())


def test_every_app_with_ui_strings_has_a_vietnamese_catalogue():
    assert {p.name for p in APPS_WITH_LOCALE} >= {"core"}


@pytest.mark.parametrize("app_dir", APPS_WITH_LOCALE, ids=lambda p: p.name)
def test_catalogue_is_complete_and_compiled(app_dir: Path):
    po = app_dir / "locale/vi/LC_MESSAGES/django.po"
    entries = parse_po(po)
    untranslated = [m for m, (s, fuzzy) in entries.items() if not s or fuzzy]
    assert not untranslated, f"{app_dir.name}: untranslated or fuzzy: {untranslated[:10]}"
    with open(app_dir / "locale/vi/LC_MESSAGES/django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [m for (ctx, m), (s, _) in entries.items() if (compiled.pgettext(ctx, m) if ctx else compiled.gettext(m)) != s]
    assert not stale, f"{app_dir.name}: django.mo is older than django.po; run compilemessages: {stale[:5]}"


@pytest.mark.parametrize("app_dir", APPS_WITH_LOCALE, ids=lambda p: p.name)
def test_no_ui_string_is_missing_from_the_catalogue(app_dir: Path, tmp_path: Path):
    """Extract the strings again from a copy of the app: any msgid the .po lacks is English on a Vietnamese page."""
    copy = tmp_path / app_dir.name
    shutil.copytree(app_dir, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        ["django-admin", "makemessages", "-l", "vi", "--no-obsolete", "--no-location"],
        cwd=copy, check=True, capture_output=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "congvu.settings"},
    )
    fresh = parse_po(copy / "locale/vi/LC_MESSAGES/django.po")
    missing = sorted(m for m, (s, _) in fresh.items() if not s)
    assert not missing, f"{app_dir.name}: strings without a Vietnamese translation: {missing[:15]}"
