"""Default retention periods, in months after the record ends. Each is a starting point the province's
system administrator can change (admin → Retention periods); the reason for each default is beside it.

Only the personal part of a record is purged: the dossier, feedback or rating itself stays, with its dates,
states, units, scores and timeliness, so every count, fact and index computed from it stays the same.
"""

from congvu.privacy.models import DataType

DEFAULT_MONTHS = {
    # 10 years after the dossier finished. The dossier's own record (code, procedure, units, dates, outcome)
    # is kept for good; the applicant's identity is what a citizen may still need the unit to find, for a
    # related later procedure or a dispute about the result. Ten years is the period most procedure dossiers
    # are kept at the agency under the archive retention lists (Circular 10/2022/TT-BNV); a province whose
    # list keeps some procedures longer raises it.
    DataType.DOSSIER_APPLICANT: 120,
    # 5 years: a counter visit that ended in a request to complete or a refusal leaves a letter the citizen
    # holds; five years cover the periodic inspections of the one-stop desk that may check those letters.
    DataType.INTAKE_APPLICANT: 60,
    # 5 years after closing: covers a complaint re-opened at the next level and the inspections of how the
    # unit handled feedback; the content and outcome stay for the indicators (PAR index 5.x).
    DataType.FEEDBACK_SENDER: 60,
    # 3 years: free-text comments may name people; the scores the indices use are kept, the comment is
    # read within the annual SIPAS cycle and its review.
    DataType.RATING_COMMENT: 36,
    # 1 year: the outbox is a delivery record only; the dossier's events already say what was notified.
    DataType.NOTIFICATION: 12,
    # 1 year: the requests and answers of the national portal sync serve troubleshooting; the portal keeps
    # its own copy of what it received.
    DataType.PORTAL_CALL: 12,
    # 5 years: the access log is itself personal data about staff; five years let an inspection look back
    # over a whole term of office's worth of views.
    DataType.ACCESS_LOG: 60,
    # 5 years after closing: proof the unit answered the person's request within the legal time.
    DataType.DATA_REQUEST: 60,
}

NOTES = {
    DataType.DOSSIER_APPLICANT: "Luật Lưu trữ; Thông tư 10/2022/TT-BNV (thời hạn bảo quản hồ sơ)",
    DataType.INTAKE_APPLICANT: "Nghị định 61/2018/NĐ-CP, Nghị định 118/2025/NĐ-CP",
    DataType.FEEDBACK_SENDER: "Luật Khiếu nại 2011; Nghị định 13/2023/NĐ-CP Điều 3",
    DataType.RATING_COMMENT: "Nghị định 13/2023/NĐ-CP Điều 3 (hạn chế lưu trữ)",
    DataType.NOTIFICATION: "Nghị định 13/2023/NĐ-CP Điều 3 (hạn chế lưu trữ)",
    DataType.PORTAL_CALL: "Nghị định 13/2023/NĐ-CP Điều 3 (hạn chế lưu trữ)",
    DataType.ACCESS_LOG: "Nghị định 13/2023/NĐ-CP Điều 27",
    DataType.DATA_REQUEST: "Nghị định 13/2023/NĐ-CP Điều 9, 14–16",
}


def ensure_default_policies() -> None:
    """A policy row for every kind (the migration seeds them; a flush in tests may have removed them)."""
    from congvu.privacy.models import RetentionPolicy

    for data_type, months in DEFAULT_MONTHS.items():
        RetentionPolicy.objects.get_or_create(data_type=data_type, defaults={"months": months, "note": NOTES[data_type]})
