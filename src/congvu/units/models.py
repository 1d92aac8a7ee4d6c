"""Administrative units, staff and their roles.

Units form one tree (province → department / commune → one-stop desk; pre-2025 districts too) kept with
materialized paths so that "everything under this unit" is one indexed prefix query on both databases.
Units are never deleted: a merged or dissolved unit gets `valid_to` and a `successor`, and what it
received stays attached to it.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from congvu.core.text import fold
from congvu.units.phones import display_phone, mask_phone, normalise_phone

# Codes travel in URLs, file names and other systems' records: keep them to characters that need no
# escaping anywhere.
code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Use letters, digits, dots, hyphens and underscores only."), code="invalid_code"
)
# QCVN 102:2016 codes are dot-separated groups of letters and digits (e.g. 000.00.31.H29, H15.50.05.13).
identifier_validator = RegexValidator(
    r"^[A-Z0-9]{1,5}(\.[A-Z0-9]{1,5}){1,5}$",
    _("Use dot-separated groups of capital letters and digits, e.g. 000.00.31.H29."),
    code="invalid_identifier",
)


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province / centrally-run city")
    DISTRICT = "district", _("District (before 1 July 2025)")
    COMMUNE = "commune", _("Commune / ward / special zone")
    DEPARTMENT = "department", _("Provincial department or agency")
    SERVICE_CENTRE = "service_centre", _("Public administration service centre")
    ONE_STOP_DESK = "one_stop_desk", _("One-stop desk")
    OFFICE = "office", _("Office / division")


class Unit(MP_Node):
    """One administrative unit or agency. `identifier` is its electronic-document code (QCVN 102:2016),
    which prefixes the codes of the dossiers it receives.

    Siblings keep the order they were added in (no `node_order_by`): the importer adds them in the
    statistics office's official order, and sorted insertion would rewrite sibling paths on every add.
    Lists sort by name in SQL with the Vietnamese collation instead."""

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator], help_text=_("Stable key used in URLs, imports and the API."))
    official_code = models.CharField(
        _("official administrative code"), max_length=20, blank=True, db_index=True,
        help_text=_("Code of the administrative division (General Statistics Office), where it is one."),
    )
    identifier = models.CharField(
        _("electronic identifier"), max_length=40, blank=True, db_index=True, validators=[identifier_validator],
        help_text=_("Electronic-document code of the body, e.g. H15.50.05.13; prefixes its dossier codes."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Last day the unit existed; empty while it exists."))
    successor = models.ForeignKey(
        "self", verbose_name=_("successor"), null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors",
        help_text=_("The unit that took over after a merge or dissolution."),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        indexes = [models.Index(fields=["kind", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_to_not_before_valid_from", violation_error_code="valid_to_before_valid_from",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | ~Q(successor=F("pk")),
                name="unit_successor_not_self", violation_error_code="successor_self",
                violation_error_message=_("A unit cannot be its own successor."),
            ),
            # A successor means the unit has ended; without a last day its dossiers would be claimed by
            # two living units at once.
            models.CheckConstraint(
                condition=Q(successor__isnull=True) | Q(valid_to__isnull=False),
                name="unit_successor_requires_valid_to", violation_error_code="successor_without_valid_to",
                violation_error_message=_("A unit with a successor needs the last day it existed."),
            ),
            # The identifier prefixes dossier codes: two units sharing one would issue the same codes.
            models.UniqueConstraint(
                fields=["identifier"], condition=~Q(identifier=""), name="unit_identifier_unique", violation_error_code="duplicate_identifier",
                violation_error_message=_("Another unit already has this electronic identifier."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def refresh_search_text(self) -> None:
        self.search_text = fold(" ".join(filter(None, [self.name, self.short_name, self.code, self.official_code, self.identifier])))

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        try:
            self.phone = normalise_phone(self.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error}) from None
        if self.successor_id is not None and self.pk is not None:
            if self.successor.path.startswith(self.path):
                message = _("“%(unit)s” cannot be merged into a unit under it.") % {"unit": self.name}
                raise ValidationError({"successor": ValidationError(message, code="successor_inside")})
            # Walk forward from the successor: reaching this unit again would make a loop, and a loop
            # would make "where did this ward's dossiers go" unanswerable.
            seen = set()
            current = self.successor
            while current is not None and current.pk not in seen:
                if current.pk == self.pk:
                    raise ValidationError({"successor": ValidationError(_("This successor would make a loop of merges."), code="successor_loop")})
                seen.add(current.pk)
                current = current.successor

    def is_active_on(self, day=None) -> bool:
        day = day or timezone.localdate()
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def is_active(self) -> bool:
        return self.is_active_on()

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone)

    @cached_property
    def parent_name(self) -> str:
        """The name of the unit above, for a line such as "Phường Hoàn Kiếm — Thành phố Hà Nội"."""
        parent = Unit.objects.get_parent(self) if self.depth > 1 else None
        return parent.name if parent else ""


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", _("One-stop officer")
    SPECIALIST = "specialist", _("Specialist")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    INSPECTOR = "inspector", _("Inspector")
    REFORM_ADMIN = "reform_admin", _("Reform-office administrator")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


class JobPosition(models.Model):
    """Vị trí việc làm: the post a staff member holds (its duties feed the monthly evaluation)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("job position")
        verbose_name_plural = _("job positions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """A staff member (cán bộ, công chức, viên chức): the login plus where they work and what they may do."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    job_position = models.ForeignKey(JobPosition, verbose_name=_("job position"), null=True, blank=True, on_delete=models.SET_NULL)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Who scores the person's monthly evaluation sheet (Decree 335/2025: the direct leader); empty means a
    # unit leader of the same unit. Not a FK to StaffProfile so that it survives a move between units.
    reports_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("direct leader"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Scores this person's monthly evaluation; empty: a leader of the same unit."),
    )
    is_head = models.BooleanField(
        _("head of the unit"), default=False, help_text=_("Approves the unit's monthly evaluation sheets."),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.unit})"

    def clean(self):
        super().clean()
        try:
            self.phone = normalise_phone(self.phone)
        except ValidationError as error:
            raise ValidationError({"phone": error}) from None

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class ApiScope(models.TextChoices):
    """What a token may do. Each API operation names the one scope it needs (congvu.api.auth); a token holds
    only the scopes its system uses, so a leaked read-only token cannot file or act on dossiers."""

    DOSSIERS_READ = "dossiers:read", _("Read dossiers and their history")
    DOSSIERS_WRITE = "dossiers:write", _("Receive dossiers and act on them")
    NATIONAL_RECEIVE = "national:receive", _("Receive dossiers filed on the national portal")


class ApiToken(models.Model):
    """A bearer token for one external system (the national portal sync, a province's own software). The
    system acts as a staff user, so its calls are scoped and audited like that person's; only the SHA-256
    of the token is stored, and a token is revoked rather than deleted so past calls stay attributable.

    A token reaches only what both its user and its owning unit reach (the unit's subtree and the units merged
    into it), and only through the operations its scopes name."""

    name = models.CharField(_("name"), max_length=120)
    unit = models.ForeignKey(Unit, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="api_tokens")
    acts_as = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acts as"), on_delete=models.PROTECT, related_name="api_tokens")
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash(raw: str) -> str:
        import hashlib

        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    @classmethod
    def issue(cls, name: str, unit: Unit, acts_as, scopes=None, *, expires_at=None, created_by=None) -> tuple["ApiToken", str]:
        """Create a token; the raw value is returned once and never stored. Without `scopes` the token gets every
        scope (what tokens could do before scopes existed); the staff page always asks which ones."""
        import secrets

        raw = secrets.token_urlsafe(32)
        scopes = sorted(set(ApiScope.values if scopes is None else scopes))
        token = cls.objects.create(
            name=name, unit=unit, acts_as=acts_as, scopes=scopes, token_hash=cls.hash(raw), expires_at=expires_at, created_by=created_by,
        )
        return token, raw

    def has_scope(self, scope: str) -> bool:
        return isinstance(self.scopes, list) and scope in self.scopes

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [str(labels.get(s, s)) for s in (self.scopes if isinstance(self.scopes, list) else [])]
