"""The titles and commendations in force: the shipped Law 06/2022 file, or the province's own file named by the
CONGVU_EMULATION_TITLES environment variable (or the EMULATION_TITLES_FILE setting). Read and checked once per
process; a broken file stops the pages with its Vietnamese errors rather than proposing on wrong rules."""

import json
import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from congvu.emulation.eligibility import Catalogue, load_catalogue
from congvu.people.discipline import DISCIPLINE_FORMS, DISCIPLINE_LABELS_VI, discipline_severity

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "titles_law_06_2022.json"


def discipline_forms() -> dict[str, tuple[int, str]]:
    return {form: (discipline_severity(form), DISCIPLINE_LABELS_VI[form]) for form in DISCIPLINE_FORMS}


def titles_file() -> Path:
    configured = os.environ.get("CONGVU_EMULATION_TITLES") or getattr(settings, "EMULATION_TITLES_FILE", "")
    return Path(configured) if configured else DEFAULT_FILE


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Catalogue:
    return load_catalogue(json.loads(Path(path).read_text("utf-8")), discipline_forms())


def catalogue() -> Catalogue:
    path = titles_file()
    return _load(str(path), path.stat().st_mtime)


def title_choices(kind: str | None = None) -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in catalogue().titles if kind is None or t.kind == kind]


def title_name(code: str) -> str:
    return catalogue().name_of(code)
