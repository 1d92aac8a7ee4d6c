"""The sync list as an Excel workbook (cells made inert by congvu.core.excel), times in Vietnam time."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from congvu.core.excel import workbook_bytes


def _local(at):
    return timezone.localtime(at) if at else None


def sync_workbook(syncs) -> bytes:
    columns = [
        (pgettext("portal sync", "Dossier code"), 24), (pgettext("portal sync", "National code"), 24), (pgettext("portal sync", "Receiving unit"), 36),
        (pgettext("portal sync", "Received at"), 17), (pgettext("portal sync", "Sync state"), 16), (pgettext("portal sync", "Attempts"), 9),
        (pgettext("portal sync", "Error code"), 10), (pgettext("portal sync", "Error message"), 48), (pgettext("portal sync", "Last sent"), 17),
        (pgettext("portal sync", "Last acknowledged"), 17), (pgettext("portal sync", "Next attempt"), 17), (pgettext("portal sync", "Filed on"), 24),
    ]
    return workbook_bytes(_("National portal sync"), columns, _rows(syncs))


def _rows(syncs):
    for s in syncs.iterator(chunk_size=1000):
        d = s.dossier
        yield [
            d.code, s.national_code, d.receiving_unit.name, _local(d.received_at), str(s.get_state_display()), s.attempts, s.error_code,
            s.error_message, _local(s.last_sent_at), _local(s.last_acked_at), _local(s.next_attempt_at), str(s.get_origin_display()),
        ]
