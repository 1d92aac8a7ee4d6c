"""What the indicators are computed from: the versioned indicator scheme, one fact row per dossier, and the
rollup tables the dashboards read (the definitions are in `congvu.indices.rollups`).

The fact and rollup rows are a cache of the dossiers, ratings and feedback: `services.refresh()` keeps them up to
date, `services.rebuild()` recomputes them from nothing, and `rebuild_indices --check` proves they equal a fresh
computation. Nothing outside this app reads or writes them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorScheme(models.Model):
    """A version of the indicator table (points, thresholds, bands) from a day on. A period is scored by the
    scheme in force on its last day."""

    effective_from = models.DateField(_("effective from"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("definition"), help_text=_("Groups, indicators, rules and bands, as in the default Decision 766 scheme."))
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("indicator scheme")
        verbose_name_plural = _("indicator schemes")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%d/%m/%Y})"

    def clean(self):
        super().clean()
        from congvu.indices.scoring import SchemeError, load_scheme

        if not isinstance(self.definition, dict):
            raise ValidationError({"definition": "Định nghĩa phải là một đối tượng JSON (các nhóm, chỉ số, thang xếp loại)."})
        try:
            load_scheme(self.definition)
        except SchemeError as exc:
            raise ValidationError({"definition": str(exc)}) from None

    def scheme(self):
        from congvu.indices.scoring import load_scheme

        return load_scheme(self.definition)


class Outcome(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class ClosureKind(models.TextChoices):
    REFUSED = "refused", _("Refused")
    STOPPED = "stopped", _("Processing stopped")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class DossierFact(models.Model):
    """One dossier as the indicators see it: who answers for it, when it entered and left the open stock,
    when it became overdue, how it ended and what it carried (online payment, digitised documents, complaint).
    Instants are kept (not only days) so that a figure evaluated "now" can cut a day in two."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    events_seen = models.PositiveIntegerField(default=0, help_text="Dossier.event_count when the fact was computed.")
    unit_id = models.IntegerField(db_index=True)
    procedure_id = models.IntegerField()
    field_id = models.IntegerField()
    channel = models.CharField(max_length=10)
    received_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    closure = models.CharField(max_length=12, choices=ClosureKind.choices, blank=True)
    closed_at = models.DateTimeField(null=True, help_text="Withdrawn or not accepted at.")
    overdue_at = models.DateTimeField(null=True, help_text="Became overdue while open (only if before it ended).")
    supplement_count = models.PositiveSmallIntegerField(default=0)
    apology_at = models.DateTimeField(null=True)
    complaint = models.BooleanField(default=False)
    fee_bearing = models.BooleanField(default=False)
    paid_online = models.BooleanField(default=False)
    digitised_inputs = models.BooleanField(default=False)
    digitised_result = models.BooleanField(default=False)
    electronic_result = models.BooleanField(default=False)
    reused = models.BooleanField(default=False)
    shared = models.BooleanField(default=False)
    # Acknowledged by the national portal (or filed there): indicator 1.4. Set when the sync's first
    # acknowledgement is seen by the refresh, which looks for acknowledgements since its last run.
    synced = models.BooleanField(default=False)
    processing_days = models.DecimalField(max_digits=10, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("dossier fact")
        verbose_name_plural = _("dossier facts")
        indexes = [
            models.Index(fields=["unit_id", "received_at"]),
            models.Index(fields=["unit_id", "finished_at"]),
            models.Index(fields=["unit_id", "closed_at"]),
            models.Index(fields=["unit_id", "overdue_at"]),
            # The overdue list at a period's end reads every fact that became overdue before it and keeps those
            # still open then: with the ends included (PostgreSQL) that is an index-only scan, not ~30k heap pages
            # at a million dossiers.
            models.Index(fields=["unit_id", "overdue_at"], include=["dossier", "received_at", "finished_at", "closed_at", "closure"],
                         name="indices_fact_overdue_cover"),
            models.Index(fields=["unit_id", "apology_at"]),
        ]


class Grain(models.TextChoices):
    DAY = "d", _("Day")
    MONTH = "m", _("Month")


# The counters of a rollup row, in one place: the services add them up, the selectors read them.
COUNTERS = (
    "received", "received_online", "received_counter_post", "finished", "finished_early", "finished_on_time", "finished_late",
    "refused", "stopped", "withdrawn", "not_accepted", "ended", "became_overdue", "left_overdue", "apologies",
    "finished_complaint", "with_result", "electronic_result", "digitised", "reused", "shared", "fee_bearing", "paid_online",
    "synced",
)
DECIMAL_COUNTERS = ("processing_days",)


class Rollup(models.Model):
    """Flows of one unit (its own dossiers, not its subtree) in one day or one month, for all its procedures
    (procedure 0) and per procedure and field."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    unit_id = models.IntegerField()
    day = models.DateField(help_text="The day, or the first day of the month.")
    procedure_id = models.IntegerField(default=0)
    field_id = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    received_online = models.IntegerField(default=0)
    received_counter_post = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_early = models.IntegerField(default=0)
    finished_on_time = models.IntegerField(default=0)
    finished_late = models.IntegerField(default=0)
    refused = models.IntegerField(default=0)
    stopped = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    not_accepted = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    became_overdue = models.IntegerField(default=0)
    left_overdue = models.IntegerField(default=0)
    apologies = models.IntegerField(default=0)
    finished_complaint = models.IntegerField(default=0)
    with_result = models.IntegerField(default=0)
    electronic_result = models.IntegerField(default=0)
    digitised = models.IntegerField(default=0)
    reused = models.IntegerField(default=0)
    shared = models.IntegerField(default=0)
    fee_bearing = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    synced = models.IntegerField(default=0)
    processing_days = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("indicator rollup")
        verbose_name_plural = _("indicator rollups")
        constraints = [
            models.UniqueConstraint(fields=["grain", "unit_id", "day", "procedure_id", "field_id"], name="indices_rollup_key"),
        ]
        indexes = [models.Index(fields=["grain", "procedure_id", "day", "unit_id"], name="indices_rollup_read")]


class RefreshCheckpoint(models.Model):
    """How far `services.refresh` has read (one row). Ids below the watermarks minus a margin are settled."""

    key = models.CharField(max_length=20, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    last_rating_id = models.BigIntegerField(default=0)
    last_feedback_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)
    rebuilt_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("refresh checkpoint")
        verbose_name_plural = _("refresh checkpoints")
