"""The real URL configuration plus a bare "ceiling" view for bench/intake.py.

The ceiling view writes the same rows an intake writes — counter, applicant, dossier, its steps, the checked
documents, one event, the applicant's SMS in the notification outbox, the national portal sync row and its
change — with raw INSERT statements generated from the same models (one multi-row INSERT for the steps and one
for the documents, as the real path does), in one transaction, and nothing else: no validation, no calendar,
no ORM object graph, no template. What the real endpoint does on top of that is what the ratio measures. Never mounted in production: only bench/intake.py sets CONGVU_ROOT_URLCONF to this module.
"""

import json
import os
import uuid

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from congvu.dossiers.models import Applicant, Dossier, DossierDocument, DossierEvent, DossierStep
from congvu.notify.models import OutboxMessage
from congvu.sync.models import PortalChange, PortalSync
from congvu.urls import urlpatterns as real_patterns

_IDS = json.loads(os.environ.get("CONGVU_BENCH_IDS", "{}"))


def _insert(cursor, *objs) -> int:
    """One INSERT of the rows `objs` (all of one model); returns the first id."""
    fields = [f for f in objs[0]._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    rows = ", ".join([row] * len(objs))
    cursor.execute(f"INSERT INTO {connection.ops.quote_name(objs[0]._meta.db_table)} ({columns}) VALUES {rows} RETURNING id", values)
    return cursor.fetchall()[0][0]


@csrf_exempt
def raw_intake(request):
    now = timezone.now()
    code = f"BENCH-{uuid.uuid4().hex[:20]}"
    unit_id, version_id, user_id = _IDS["unit"], _IDS["version"], _IDS["user"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE dossiers_counter SET value = value + 1 WHERE key = %s", [_IDS["counter_key"]])
        applicant_id = _insert(cursor, Applicant(full_name="Nguyễn Văn Bình", personal_id="001090012345", phone="+84912345678"))
        dossier_id = _insert(cursor, Dossier(
            code=code, procedure_version_id=version_id, receiving_unit_id=unit_id, handling_unit_id=unit_id,
            current_unit_id=unit_id, applicant_id=applicant_id, channel="counter", state="received", lock_version=1,
            event_count=1, received_at=now, received_by_id=user_id, clock_started_at=now, original_due_at=now,
            due_at=now, search_text=code.lower(),
        ))
        _insert(cursor, *[DossierStep(dossier_id=dossier_id, position=position, name="Bước", unit_id=unit_id, share=1, due_at=now)
                          for position in range(_IDS["steps"])])
        _insert(cursor, *[DossierDocument(dossier_id=dossier_id, required_document_id=doc, name="Giấy tờ", added_at=now) for doc in _IDS["docs"]])
        event_id = _insert(cursor, DossierEvent(dossier_id=dossier_id, seq=1, action="receive", actor_id=user_id, at=now, to_state="received", data={}))
        _insert(cursor, OutboxMessage(
            kind="received", channel="sms", recipient="+84912345678", body=f"Ho so {code} da duoc tiep nhan.", dossier_id=dossier_id,
            idempotency_key=f"dossier-event-{event_id}.sms", status="pending", next_attempt_at=now, search_text=code.lower(),
        ))
        _insert(cursor, PortalChange(dossier_id=dossier_id, event_id=event_id, seq=1, kind="event", next_attempt_at=now))
        _insert(cursor, PortalSync(dossier_id=dossier_id, state="pending", next_attempt_at=now))
    return JsonResponse({"code": code}, status=201)


urlpatterns = [path("bench/raw-intake", raw_intake), *real_patterns]
