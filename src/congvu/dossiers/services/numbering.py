"""Dossier codes and letter numbers from `Counter` rows locked in the database (never a process-local lock:
OpenCPS's JVM lock gave duplicates as soon as it ran on two servers)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction

from congvu.dossiers.codes import format_code
from congvu.dossiers.models import Counter


class LetterForm:
    """Short codes of the letters (Circular 03/2025 forms) used in their numbers, e.g. "12/PBS-TTPVHCC"."""

    REQUEST_TO_COMPLETE = "PBS"  # form 02, phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
    REFUSAL = "PTC"  # form 03, phiếu từ chối tiếp nhận, giải quyết hồ sơ
    APOLOGY = "PXL"  # form 04, phiếu xin lỗi và hẹn lại ngày trả kết quả
    STOP = "TBDX"  # form 05, thông báo dừng xử lý hồ sơ
    WITHDRAWAL = "TBRHS"  # notice that the dossier was withdrawn at the applicant's request


def take_number(key: str) -> int:
    """The next value of the counter `key`. Must run inside the caller's transaction: the row stays locked
    until it commits, so the number and the row that uses it are written together or not at all."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("numbers are taken inside the transaction that uses them")
    # The common case in one statement: the UPDATE takes the row lock and returns the new value.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Counter._meta.db_table} SET value = value + 1 WHERE key = %s RETURNING value", [key])
        found = cursor.fetchone()
    if found is not None:
        return found[0]
    # First number of the day: create the row. A savepoint: if another transaction created it first, only
    # this insert is undone and the SELECT … FOR UPDATE below waits for that transaction instead.
    try:
        with transaction.atomic():
            Counter.objects.create(key=key, value=0)
    except IntegrityError:
        pass
    row = Counter.objects.select_for_update().get(key=key)
    row.value += 1
    row.save(update_fields=["value"])
    return row.value


def unit_identifier(unit) -> str:
    """The prefix of the dossier codes a unit issues: its electronic-document code (QCVN 102:2016), or its
    congvu code while the province has not assigned one."""
    return unit.identifier or unit.code


def next_dossier_code(unit, day: dt.date) -> str:
    identifier = unit_identifier(unit)
    # Keyed by the identifier, not the unit: the sequence belongs to the code prefix (Circular 01/2018 art. 19).
    return format_code(identifier, day, take_number(f"dossier:{identifier}:{day:%Y%m%d}"))


def unit_letter_code(unit) -> str:
    short = (unit.short_name or "").strip()
    return short if short and " " not in short else unit.code.upper()


def next_letter_number(unit, form_code: str, year: int) -> str:
    """"<n>/<form>-<unit>", numbered per unit, form and calendar year as official letters are."""
    n = take_number(f"letter:{unit.pk}:{form_code}:{year}")
    return f"{n}/{form_code}-{unit_letter_code(unit)}"
