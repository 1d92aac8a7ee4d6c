"""Compiling, checking and rendering notification templates.

Templates use Django's template language in an engine of their own: autoescaping off (the output is plain
text: e-mail bodies and SMS, where "&amp;" would be a defect), no template loaders, no libraries beyond the
built-in tags and filters. Compiled templates are kept per process, read from the database in one query,
and dropped when a template is saved (at once in the saving process, within `template_ttl()` elsewhere).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.defaulttags import DebugNode
from django.utils.translation import gettext as _

from congvu.notify import conf
from congvu.notify.defaults import DEFAULT_TEMPLATES, SAMPLE_CONTEXT, VARIABLES

logger = logging.getLogger(__name__)

ENGINE = Engine(autoescape=False)
_UNKNOWN = "\x00unknown-variable:%s\x00"
_UNKNOWN_RE = re.compile("\x00unknown-variable:(.*?)\x00")
# The checking engine marks every variable the context does not have, so a misspelt name is caught when
# the template is saved rather than sent to citizens as an empty gap.
_CHECK_ENGINE = Engine(autoescape=False, string_if_invalid=_UNKNOWN)
SUBJECT_MAX = 255
_LEFTOVER_TAG = re.compile(r"\{\{|\{%|\}\}|%\}|\{#")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Compiled:
    enabled: bool
    subject: Template | None
    body: Template


def compile_pair(subject: str, body: str, enabled: bool = True, engine: Engine = ENGINE) -> Compiled:
    return Compiled(enabled, engine.from_string(subject) if subject else None, engine.from_string(body))


def render(compiled: Compiled, context: dict) -> tuple[str, str]:
    """(subject on one line of at most 255 characters, body) for `context`."""
    ctx = Context(context, autoescape=False)
    subject = " ".join(compiled.subject.render(ctx).split())[:SUBJECT_MAX] if compiled.subject else ""
    body = compiled.body.render(ctx).replace("\r\n", "\n")
    # A block left out ({% if %} on an empty value) must not leave a hole of blank lines or trailing spaces.
    if " \n" in body or "\t\n" in body or body.endswith((" ", "\t")):
        body = _TRAILING_SPACE.sub("", body)
    if "\n\n\n" in body:
        body = _BLANK_RUNS.sub("\n\n", body)
    body = body.strip()
    return subject, body


# ---------------------------------------------------------------------------------------------------
# Checking an edited template


def check_template(kind: str, text: str, field: str = "body") -> None:
    """Raise ValidationError (Vietnamese) unless `text` compiles, renders with the sample values of `kind`
    and uses only the variables `kind` provides."""
    try:
        template = _CHECK_ENGINE.from_string(text)
    except TemplateSyntaxError as exc:
        raise ValidationError(_("The template has a syntax error: %(error)s"), code="syntax", params={"error": exc}) from None
    if template.nodelist.get_nodes_by_type(DebugNode):
        raise ValidationError(_("The debug tag is not allowed in notifications."), code="debug")
    sample = dict(SAMPLE_CONTEXT.get(kind, {}))
    # Render every branch that depends on a yes/no value: once as sampled, once with each flipped.
    flipped = {k: not v if isinstance(v, bool) else v for k, v in sample.items()}
    unknown: set[str] = set()
    for context in (sample, flipped):
        try:
            output = template.render(Context(context, autoescape=False))
        except Exception as exc:  # noqa: BLE001 - any failure here is the template's, shown to its author
            raise ValidationError(_("The template cannot be rendered: %(error)s"), code="render", params={"error": exc}) from None
        unknown.update(_UNKNOWN_RE.findall(output))
        # Django leaves a tag it cannot read ("{{ name }", "{% if x }") as text: the citizen would see it.
        leftover = _LEFTOVER_TAG.search(output)
        if leftover:
            raise ValidationError(
                _("A tag is not closed properly near “%(text)s”; write {{ name }} or {%% tag %%}."), code="unclosed",
                params={"text": output[leftover.start():leftover.start() + 30]},
            )
    if unknown:
        allowed = ", ".join(sorted(VARIABLES.get(kind, {})))
        raise ValidationError(
            _("Unknown variable: %(names)s. This notification can use: %(allowed)s."),
            code="unknown_variable", params={"names": ", ".join(sorted(unknown)), "allowed": allowed},
        )
    if field == "subject" and "\n" in text:
        raise ValidationError(_("The subject must be a single line."), code="multiline")


def preview(kind: str, subject: str, body: str) -> tuple[str, str]:
    """The template rendered with the sample values of `kind` (for the admin page)."""
    return render(compile_pair(subject, body), SAMPLE_CONTEXT.get(kind, {}))


# ---------------------------------------------------------------------------------------------------
# The per-process cache


class TemplateCache:
    def __init__(self):
        self._entries: dict[tuple[str, str], Compiled] | None = None
        self._loaded_at = 0.0
        self._defaults: dict[tuple[str, str], Compiled] = {}
        self._lock = threading.Lock()

    def get(self, kind: str, channel: str) -> Compiled:
        entries = self._entries
        if entries is None or time.monotonic() - self._loaded_at > conf.template_ttl():
            entries = self._load()
        found = entries.get((kind, channel))
        return found if found is not None else self.default(kind, channel)

    def default(self, kind: str, channel: str) -> Compiled:
        compiled = self._defaults.get((kind, channel))
        if compiled is None:
            subject, body = DEFAULT_TEMPLATES[(kind, channel)]
            compiled = self._defaults[(kind, channel)] = compile_pair(subject, body)
        return compiled

    def invalidate(self) -> None:
        self._entries = None

    def _load(self) -> dict[tuple[str, str], Compiled]:
        from congvu.notify.models import NotificationTemplate

        entries: dict[tuple[str, str], Compiled] = {}
        for row in NotificationTemplate.objects.all():
            try:
                entries[(row.kind, row.channel)] = compile_pair(row.subject, row.body, row.enabled)
            except TemplateSyntaxError:
                # Saved around the admin's check (SQL, an old version): the default text is better than no message.
                logger.exception("notification template %s/%s does not compile; using the default", row.kind, row.channel)
        with self._lock:
            self._entries, self._loaded_at = entries, time.monotonic()
        return entries


templates = TemplateCache()


def template_changed(**_kwargs) -> None:
    """Signal receiver: forget the compiled templates now, and again once the change is committed (a process
    that reloads between the two would otherwise keep the old text until the cache expires)."""
    templates.invalidate()
    transaction.on_commit(templates.invalidate)


def render_message(kind: str, channel: str, context: dict) -> tuple[str, str] | None:
    """(subject, body) of `kind` on `channel`, or None when an administrator turned it off. A template that
    fails at render time falls back to the default text: the event that causes the message must not fail."""
    compiled = templates.get(kind, channel)
    if not compiled.enabled:
        return None
    try:
        return render(compiled, context)
    except Exception:  # noqa: BLE001 - see the docstring; the failure is logged
        logger.exception("notification template %s/%s failed to render; using the default", kind, channel)
        return render(templates.default(kind, channel), context)
