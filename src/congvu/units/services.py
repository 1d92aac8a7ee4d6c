"""Writes about units and staff. Each function is one transaction: it either does everything it says
or, on bad input, raises `ValidationError` (field → messages, each with a stable `code`) and changes
nothing."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from congvu.units import divisions
from congvu.units.divisions import Division
from congvu.units.models import JobPosition, Role, StaffProfile, Unit, UnitKind
from congvu.units.phones import normalise_phone

# The day the two-level local government took over (Resolution 202/2025/QH15, Law on Local Government 2025).
REFORM_DAY = dt.date(2025, 7, 1)
LEGACY_LAST_DAY = REFORM_DAY - dt.timedelta(days=1)
LEGACY_CODE_PREFIX = "L-"

Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    province: Unit
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


# ---------------------------------------------------------------------------------------------------
# Importing the administrative divisions


def import_province(province_code: str, legacy: bool = False, progress: Progress | None = None, merged_into: str | None = None) -> ImportResult:
    """Load one province and everything below it from `vietnam-provinces`, creating what is missing and
    updating names and kinds of what exists (matched by `code`, so running it again never duplicates).

    `legacy=False`: the structure since 1 July 2025; the province has code "01", its communes their
    five-digit statistics code and `valid_from` 1 July 2025.
    `legacy=True`: the structure before the reform; codes get the "L-" prefix ("L-01", "L-001",
    "L-00001") because the statistics office reused old numbers for different new units (new 15
    Lào Cai carries old 15 Yên Bái's code), and every unit gets `valid_to` 30 June 2025. The old
    province becomes its own root: neither source says which new unit took over, so no successor is set
    unless the operator names it with `merged_into` (the code of the unit that took the province over).

    Operator data (identifier, address, phone, a parent chosen by hand in the admin) is never touched.
    """
    source = divisions.legacy_province(province_code) if legacy else divisions.current_province(province_code)
    if source is None:
        known = divisions.legacy_province_codes() if legacy else divisions.current_province_codes()
        structure = _("before 1 July 2025") if legacy else _("from 1 July 2025")
        message = _("There is no province with code “%(code)s” in the administrative structure %(structure)s. Known codes: %(known)s.") % {
            "code": province_code, "structure": structure, "known": ", ".join(known),
        }
        raise ValidationError({"province": ValidationError(message, code="unknown_province")})
    successor = None
    if merged_into:
        if not legacy:
            message = _("Only a province from before 1 July 2025 can be merged into another unit.")
            raise ValidationError({"merged_into": ValidationError(message, code="merge_not_legacy")})
        successor = Unit.objects.filter(code=merged_into).first()
        if successor is None:
            message = _("There is no unit with code “%(code)s”.") % {"code": merged_into}
            raise ValidationError({"merged_into": ValidationError(message, code="unknown_unit")})

    total = source.count()
    done = 0

    def step(result: ImportResult, outcome: str) -> None:
        nonlocal done
        setattr(result, outcome, getattr(result, outcome) + 1)
        done += 1
        if progress is not None:
            progress(done, total)

    with transaction.atomic():
        if legacy:
            province_fields = {"kind": UnitKind.PROVINCE, "valid_to": LEGACY_LAST_DAY}
            province, outcome = _upsert(None, LEGACY_CODE_PREFIX + source.official_code, source, province_fields)
        else:
            province, outcome = _upsert(None, source.official_code, source, {"kind": UnitKind.PROVINCE})
        result = ImportResult(province=province)
        step(result, outcome)
        if legacy:
            for district in source.children:
                fields = {"kind": UnitKind.DISTRICT, "valid_to": LEGACY_LAST_DAY}
                district_unit, outcome = _upsert(province, LEGACY_CODE_PREFIX + district.official_code, district, fields)
                step(result, outcome)
                _upsert_children(district_unit, district.children, {"kind": UnitKind.COMMUNE, "valid_to": LEGACY_LAST_DAY}, LEGACY_CODE_PREFIX, lambda o: step(result, o))
        else:
            _upsert_children(province, source.children, {"kind": UnitKind.COMMUNE, "valid_from": REFORM_DAY}, "", lambda o: step(result, o))
        if successor is not None:
            merge_units([province], into=successor, last_day=LEGACY_LAST_DAY)
    return result


def _upsert(parent: Unit | None, code: str, division: Division, fields: dict) -> tuple[Unit, str]:
    wanted = {"name": division.name, "short_name": division.short_name, "official_code": division.official_code, **fields}
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        unit = Unit(code=code, **wanted)
        if parent is None:
            return Unit.objects.add_root(instance=unit), "created"
        return Unit.objects.add_child(parent, instance=unit), "created"
    changed = [name for name, value in wanted.items() if getattr(unit, name) != value]
    if not changed:
        return unit, "unchanged"
    for name in changed:
        setattr(unit, name, wanted[name])
    unit.save(update_fields=changed)
    return unit, "updated"


def _upsert_children(parent: Unit, children: Iterable[Division], fields: dict, prefix: str, step: Callable[[str], None]) -> None:
    """One query for the existing children, then inserts and updates: a province's 100–700 communes
    should not cost a lookup each."""
    children = list(children)
    existing = {u.code: u for u in Unit.objects.filter(code__in=[prefix + c.official_code for c in children])}
    to_update = []
    for division in children:
        code = prefix + division.official_code
        wanted = {"name": division.name, "short_name": division.short_name, "official_code": division.official_code, **fields}
        unit = existing.get(code)
        if unit is None:
            Unit.objects.add_child(parent, instance=Unit(code=code, **wanted))
            step("created")
            continue
        changed = [name for name, value in wanted.items() if getattr(unit, name) != value]
        if changed:
            for name in changed:
                setattr(unit, name, wanted[name])
            unit.refresh_search_text()
            to_update.append(unit)
            step("updated")
        else:
            step("unchanged")
    if to_update:
        Unit.objects.bulk_update(to_update, ["name", "short_name", "official_code", "kind", "valid_from", "valid_to", "search_text"], batch_size=500)


# ---------------------------------------------------------------------------------------------------
# Units the package does not carry, and merges


def add_unit(
    name: str,
    kind: str,
    code: str,
    parent: Unit | str | None = None,
    *,
    short_name: str = "",
    official_code: str = "",
    identifier: str = "",
    address: str = "",
    phone: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Unit:
    """Add a unit that the divisions package does not carry: a department (Sở Tư pháp), the province's
    public administration service centre, a commune's one-stop desk. `parent` is a unit or its code;
    without one the unit is a root."""
    errors: dict[str, list[ValidationError]] = {}
    if isinstance(parent, str):
        parent_code = parent
        parent = Unit.objects.filter(code=parent_code).first()
        if parent is None:
            errors["parent"] = [ValidationError(_("There is no unit with code “%(code)s”.") % {"code": parent_code}, code="unknown_unit")]
    code = (code or "").strip()
    if code and Unit.objects.filter(code=code).exists():
        errors["code"] = [ValidationError(_("Another unit already has the code “%(code)s”.") % {"code": code}, code="duplicate_code")]
    unit = Unit(
        name=(name or "").strip(), kind=kind, code=code, short_name=short_name.strip(), official_code=official_code.strip(),
        identifier=identifier.strip(), address=address.strip(), phone=phone, valid_from=valid_from, valid_to=valid_to,
    )
    try:
        # Tree fields are set by treebeard on insert; everything else is checked here, before any write.
        # Uniqueness and the date rule are checked below, so that each error names its own field.
        unit.full_clean(exclude=["path", "depth", "numchild"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    if valid_from and valid_to and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(ValidationError(_("The last day cannot be before the first day."), code="valid_to_before_valid_from"))
    if identifier and Unit.objects.filter(identifier=identifier.strip()).exists():
        errors.setdefault("identifier", []).append(ValidationError(_("Another unit already has this electronic identifier."), code="duplicate_identifier"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if parent is None:
            return Unit.objects.add_root(instance=unit)
        return Unit.objects.add_child(parent, instance=unit)


def set_unit_identifier(unit: Unit | str, identifier: str) -> Unit:
    """Give a unit its electronic identifier (QCVN 102:2016), the prefix of the dossier codes it issues.
    The province assigns these; nothing in congvu makes one up. An empty value removes it."""
    if isinstance(unit, str):
        code = unit
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise ValidationError({"unit": ValidationError(_("There is no unit with code “%(code)s”.") % {"code": code}, code="unknown_unit")})
    identifier = (identifier or "").strip()
    if identifier:
        try:
            Unit._meta.get_field("identifier").run_validators(identifier)
        except ValidationError as error:
            raise ValidationError({"identifier": error.error_list}) from None
        if Unit.objects.filter(identifier=identifier).exclude(pk=unit.pk).exists():
            raise ValidationError({"identifier": ValidationError(_("Another unit already has this electronic identifier."), code="duplicate_identifier")})
    unit.identifier = identifier
    with transaction.atomic():
        unit.save(update_fields=["identifier"])
    return unit


def merge_units(merged: Iterable[Unit], into: Unit, last_day: dt.date) -> list[Unit]:
    """Record that `merged` units ceased on `last_day` and `into` took them over. Their dossiers stay
    attached to them; `selectors.visible_units` lets the staff of `into` find them."""
    merged = list(merged)
    errors: list[ValidationError] = []
    if not merged:
        errors.append(ValidationError(_("Name at least one unit to merge."), code="nothing_to_merge"))
    chain_pks = _successor_chain_pks(into)
    for unit in merged:
        if unit.pk in chain_pks:
            errors.append(ValidationError(_("“%(unit)s” cannot be merged into itself or into a unit that it succeeded.") % {"unit": unit.name}, code="successor_loop"))
        elif into.path.startswith(unit.path):
            errors.append(ValidationError(_("“%(unit)s” cannot be merged into a unit under it.") % {"unit": unit.name}, code="successor_inside"))
        if unit.valid_from and last_day < unit.valid_from:
            errors.append(ValidationError(_("“%(unit)s” began after the last day given.") % {"unit": unit.name}, code="last_day_before_start"))
    if into.valid_to and into.valid_to <= last_day:
        errors.append(ValidationError(_("“%(unit)s” no longer existed after the last day given.") % {"unit": into.name}, code="successor_ended"))
    if errors:
        raise ValidationError({"merged": errors})
    with transaction.atomic():
        for unit in merged:
            unit.valid_to = last_day
            unit.successor = into
            unit.save(update_fields=["valid_to", "successor"])
    return merged


def _successor_chain_pks(unit: Unit) -> set[int]:
    pks = set()
    current = unit
    while current is not None and current.pk not in pks:
        pks.add(current.pk)
        current = current.successor
    return pks


# ---------------------------------------------------------------------------------------------------
# Staff, roles and admin access

# Django-admin access follows the role. System administrators run the installation: every permission.
# The reform office (Sở Nội vụ) configures what citizens and staff work with — the unit tree, job
# positions, the procedure catalogue, the working calendar — and may look up staff assignments, but it
# gets no permission on user accounts: whoever can edit accounts can make themselves superuser.
SYSTEM_ADMIN_GROUP = "Quản trị hệ thống"
REFORM_ADMIN_GROUP = "Quản trị cải cách hành chính"
REFORM_ADMIN_APPS = ("catalog", "workcal", "queueing", "indices", "reform")  # queues of the centres, indicator schemes, PAR frameworks too
REFORM_ADMIN_MODELS = {("units", "unit"): ("add", "change", "view"), ("units", "jobposition"): ("add", "change", "delete", "view"), ("units", "staffprofile"): ("view",)}
ROLE_GROUPS = {Role.SYSTEM_ADMIN: SYSTEM_ADMIN_GROUP, Role.REFORM_ADMIN: REFORM_ADMIN_GROUP}


def sync_role_groups() -> dict[str, Group]:
    """Create the role groups and give them the permissions above; run after every migrate so that
    permissions of newly installed apps are included."""
    system, _created = Group.objects.get_or_create(name=SYSTEM_ADMIN_GROUP)
    system.permissions.set(Permission.objects.all())
    reform, _created = Group.objects.get_or_create(name=REFORM_ADMIN_GROUP)
    reform_q = Q(content_type__app_label__in=REFORM_ADMIN_APPS)
    for (app_label, model), actions in REFORM_ADMIN_MODELS.items():
        reform_q |= Q(content_type__app_label=app_label, content_type__model=model, codename__in=[f"{a}_{model}" for a in actions])
    reform.permissions.set(Permission.objects.filter(reform_q))
    return {SYSTEM_ADMIN_GROUP: system, REFORM_ADMIN_GROUP: reform}


def apply_role_access(user) -> None:
    """Make the account's admin access match its role: the role's group, and `is_staff` (the right to
    open the admin) only for the two administrator roles. Superusers keep theirs."""
    profile = StaffProfile.objects.filter(user=user).first()
    role_group_name = ROLE_GROUPS.get(profile.role) if profile else None
    groups = sync_role_groups() if role_group_name else {g.name: g for g in Group.objects.filter(name__in=ROLE_GROUPS.values())}
    for name, group in groups.items():
        if name == role_group_name:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    is_staff = user.is_superuser or role_group_name is not None
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


def create_staff_member(
    username: str,
    full_name: str,
    unit: Unit | str,
    role: str,
    password: str | None = None,
    email: str = "",
    phone: str = "",
    job_position: JobPosition | str | None = None,
    is_staff_admin: bool = False,
) -> StaffProfile:
    """Create a login and its staff profile. `unit` is a unit or its code; `job_position` a position or
    its name (created if new). Without a password the account cannot sign in until one is set.
    `is_staff_admin` makes the account a superuser: for the installation's own administrator, who must
    be able to fix anything, including the roles of others."""
    User = get_user_model()
    errors: dict[str, list[ValidationError]] = {}

    def error(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    username = (username or "").strip()
    username_field = User._meta.get_field(User.USERNAME_FIELD)
    if not username:
        error("username", _("Enter a username."), "required")
    else:
        try:
            username_field.run_validators(username)
        except ValidationError as exc:
            errors.setdefault("username", []).extend(exc.error_list)
        if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
            error("username", _("The username “%(username)s” is already taken.") % {"username": username}, "duplicate_username")
    full_name = " ".join((full_name or "").split())
    if not full_name:
        error("full_name", _("Enter the full name."), "required")
    elif len(full_name) > 300:
        error("full_name", _("The full name is too long."), "max_length")
    if isinstance(unit, str):
        unit_code = unit
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            error("unit", _("There is no unit with code “%(code)s”.") % {"code": unit_code}, "unknown_unit")
    if role not in Role.values:
        error("role", _("“%(role)s” is not a role.") % {"role": role}, "unknown_role")
    email = (email or "").strip()
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            error("email", _("Enter a valid email address."), "invalid_email")
    try:
        phone = normalise_phone(phone)
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.error_list)
    if isinstance(job_position, str):
        job_position = job_position.strip() or None
        if job_position and len(job_position) > JobPosition._meta.get_field("name").max_length:
            error("job_position", _("The job position name is too long."), "max_length")
    if password is not None:
        try:
            validate_password(password, user=User(username=username, email=email, first_name=full_name))
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.error_list)
    if errors:
        raise ValidationError(errors)

    # Vietnamese names run family → middle → given. Keeping the given name in `last_name` makes
    # get_full_name() print them in that order and makes "order by last_name" sort staff by given
    # name, as Vietnamese staff lists do.
    family_and_middle, _sep, given = full_name.rpartition(" ")
    with transaction.atomic():
        user = User(**{User.USERNAME_FIELD: username}, first_name=family_and_middle, last_name=given, email=email)
        if is_staff_admin:
            user.is_superuser = True
            user.is_staff = True
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        if isinstance(job_position, str):
            job_position, _created = JobPosition.objects.get_or_create(name=job_position)
        profile = StaffProfile.objects.create(user=user, unit=unit, role=role, job_position=job_position, phone=phone)
        apply_role_access(user)
    return profile
