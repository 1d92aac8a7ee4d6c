"""Queue tickets at a one-stop centre (hệ thống xếp hàng tự động).

A service centre offers service groups (a letter on the ticket, e.g. "A — Tư pháp, hộ tịch") and runs counters
(quầy), each serving some groups and staffed by one officer at a time. A citizen takes a ticket at the kiosk; a
counter calls the oldest ticket it serves. Each stay of a ticket at one counter is a `Visit` (called, started,
ended and how), so waiting and serving times can be measured per counter even when a ticket is transferred;
a transfer is also recorded on its own (`Transfer`). The `Ticket` row caches where the ticket is now.

Numbers run per unit per day (A001, B002, A003 …): one sequence for the whole centre, so no two tickets of a
day share a number even across groups, and the number a display board calls is never ambiguous.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

prefix_validator = RegexValidator(r"^[A-Z]$", _("Use one capital letter from A to Z."), code="invalid_prefix")


class ServiceGroup(models.Model):
    """A button on the kiosk: the fields or procedures a group of counters handles."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="queue_groups")
    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(_("ticket letter"), max_length=1, validators=[prefix_validator], help_text=_("Printed before the number, e.g. A for A012."))
    position = models.PositiveSmallIntegerField(_("order on the kiosk"), default=0)
    fields = models.ManyToManyField("catalog.Field", verbose_name=_("fields"), blank=True, related_name="+",
                                    help_text=_("Shown under the button so that citizens choose the right group."))
    procedures = models.ManyToManyField("catalog.Procedure", verbose_name=_("common procedures"), blank=True, related_name="+",
                                        help_text=_("Offered at the counter as one-click intake for a ticket of this group."))
    active = models.BooleanField(_("on the kiosk"), default=True)
    daily_limit = models.PositiveIntegerField(
        _("tickets a day"), default=0,
        help_text=_("The kiosk stops issuing numbers of this group after this many in a day; 0 for no limit."),
    )

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["unit", "position", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "prefix"], name="queue_group_prefix_unique", violation_error_code="duplicate_prefix",
                                    violation_error_message=_("Another group of this centre already uses this letter.")),
            models.UniqueConstraint(fields=["unit", "name"], name="queue_group_name_unique", violation_error_code="duplicate_name",
                                    violation_error_message=_("Another group of this centre already has this name.")),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} — {self.name}"


class Counter(models.Model):
    """A counter (quầy) of a centre, the groups it serves, and the officer sitting at it now."""

    unit = models.ForeignKey("units.Unit", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="queue_counters")
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=120, blank=True, help_text=_("What the counter handles, shown on the display board."))
    groups = models.ManyToManyField(ServiceGroup, verbose_name=_("service groups"), blank=True, related_name="counters")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("officer on duty"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="queue_counters")
    active = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["unit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="queue_counter_number_unique", violation_error_code="duplicate_number",
                                    violation_error_message=_("This centre already has a counter with this number.")),
            # One person sits at one counter: calls are attributed to the officer, and statistics to the counter.
            models.UniqueConstraint(fields=["officer"], condition=Q(officer__isnull=False), name="queue_counter_one_per_officer",
                                    violation_error_code="officer_busy",
                                    violation_error_message=_("This officer is already on duty at another counter.")),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(_("Counter %(number)s") % {"number": self.number})


class TicketStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("queue", "Waiting")
    CALLED = "called", pgettext_lazy("queue", "Called to a counter")
    SERVING = "serving", pgettext_lazy("queue", "Being served")
    DONE = "done", pgettext_lazy("queue", "Done")
    SKIPPED = "skipped", pgettext_lazy("queue", "Skipped")
    TRANSFERRED = "transferred", pgettext_lazy("queue", "Transferred, waiting")
    NO_SHOW = "no_show", pgettext_lazy("queue", "Did not come")


# Waiting in a queue (a transferred ticket waits at the front of its new queue).
QUEUED = (TicketStatus.WAITING, TicketStatus.TRANSFERRED)
# At a counter right now: a counter has at most one of these.
AT_COUNTER = (TicketStatus.CALLED, TicketStatus.SERVING)
# Not finished: closed as "did not come" when its day is over.
OPEN = (*QUEUED, *AT_COUNTER, TicketStatus.SKIPPED)


class Ticket(models.Model):
    unit = models.ForeignKey("units.Unit", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="queue_tickets")
    group = models.ForeignKey(ServiceGroup, verbose_name=_("service group"), on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    code = models.CharField(_("ticket"), max_length=12)
    status = models.CharField(_("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING)
    issued_at = models.DateTimeField(pgettext_lazy("queue", "issued at"))
    queued_at = models.DateTimeField(_("waiting since"), help_text=_("When the ticket last joined a queue: issued, or transferred."))
    target_group = models.ForeignKey(ServiceGroup, verbose_name=_("transferred to group"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_counter = models.ForeignKey("Counter", verbose_name=_("transferred to counter"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counter = models.ForeignKey(Counter, verbose_name=_("counter"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets")
    first_called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    called_at = models.DateTimeField(_("last called at"), null=True, blank=True)
    served_started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    served_finished_at = models.DateTimeField(_("service finished at"), null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    dossier = models.ForeignKey("dossiers.Dossier", verbose_name=_("dossier"), null=True, blank=True, on_delete=models.SET_NULL, related_name="queue_tickets")

    class Meta:
        verbose_name = _("queue ticket")
        verbose_name_plural = _("queue tickets")
        ordering = ["-day", "-number"]
        constraints = [
            # The sequence is taken from a locked counter row; this is the database's own guarantee behind it.
            models.UniqueConstraint(fields=["unit", "day", "number"], name="queue_ticket_number_unique"),
        ]
        indexes = [models.Index(fields=["unit", "day", "status", "queued_at"]), models.Index(fields=["counter", "status"])]

    def __str__(self) -> str:
        return self.code

    @property
    def queue_group(self) -> ServiceGroup:
        """The group whose queue the ticket waits in (its own, or the one it was transferred to)."""
        return self.target_group or self.group


class VisitOutcome(models.TextChoices):
    DONE = "done", pgettext_lazy("queue", "Served")
    SKIPPED = "skipped", pgettext_lazy("queue", "Skipped")
    TRANSFERRED = "transferred", pgettext_lazy("queue", "Transferred")
    NO_SHOW = "no_show", pgettext_lazy("queue", "Did not come")


class Visit(models.Model):
    """One stay of a ticket at one counter: from the wait that ended with the call, to the end of the service."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    counter = models.ForeignKey(Counter, verbose_name=_("counter"), on_delete=models.PROTECT, related_name="visits")
    group = models.ForeignKey(ServiceGroup, verbose_name=_("service group"), on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("officer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    waited_from = models.DateTimeField(_("waiting since"))
    called_at = models.DateTimeField(_("called at"))
    started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=VisitOutcome.choices, blank=True)
    recalls = models.PositiveSmallIntegerField(_("recalls"), default=0)

    class Meta:
        verbose_name = _("visit to a counter")
        verbose_name_plural = _("visits to counters")
        ordering = ["ticket", "called_at", "id"]
        indexes = [models.Index(fields=["counter", "called_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.counter_id}"


class Transfer(models.Model):
    """A ticket sent from one counter to another counter or to another group's queue."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transfers")
    at = models.DateTimeField(pgettext_lazy("queue", "at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_counter = models.ForeignKey(Counter, verbose_name=_("from counter"), on_delete=models.PROTECT, related_name="+")
    to_counter = models.ForeignKey(Counter, verbose_name=_("to counter"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_group = models.ForeignKey(ServiceGroup, verbose_name=_("to group"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["ticket", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(to_counter__isnull=False) | Q(to_group__isnull=False), name="queue_transfer_has_target"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_counter_id} → {self.to_counter_id or self.to_group_id}"
