"""The outbox list as an Excel workbook (cells made inert by congvu.core.excel), times in Vietnam time.
Recipients are masked as on the list page: an export is a list, and lists travel by email (Decree 13/2023)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from congvu.core.excel import workbook_bytes
from congvu.privacy.masking import mask_recipient


def _local(at):
    return timezone.localtime(at) if at else None


def outbox_workbook(messages) -> bytes:
    columns = [
        (_("No."), 8), (_("Queued at"), 17), (_("Notification"), 24), (pgettext("notification", "Channel"), 8), (_("Recipient"), 28), (_("Subject"), 40),
        (_("Status"), 14), (_("Attempts"), 9), (_("Next attempt at"), 17), (_("Sent at"), 17), (_("Delivered through"), 16),
        (_("Dossier"), 22), (_("Last error"), 40), (_("Idempotency key"), 30),
    ]
    return workbook_bytes(_("Outbox"), columns, _rows(messages))


def _rows(messages):
    for m in messages.iterator(chunk_size=1000):
        open_row = m.status in ("pending", "sending")
        yield [
            m.pk, _local(m.created_at), str(m.get_kind_display()), str(m.get_channel_display()), mask_recipient(m.recipient), m.subject,
            str(m.get_status_display()), m.attempts, _local(m.next_attempt_at) if open_row else None, _local(m.sent_at),
            str(m.get_transport_display()) if m.transport else "", m.dossier.code if m.dossier else "", m.last_error, m.idempotency_key,
        ]
