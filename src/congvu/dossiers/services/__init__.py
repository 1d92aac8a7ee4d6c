"""Dossier services: every write to a dossier, each one transaction with one event (DESIGN.md)."""

from congvu.dossiers.services.deadlines import at_risk, is_overdue
from congvu.dossiers.services.dispatch import action_params, perform_action
from congvu.dossiers.services.errors import (
    CONFLICT_MESSAGE, Conflict, DossierError, ErrorCode, InvalidInput, NotFound, ProcedureNotReceivable, TransitionNotAllowed,
)
from congvu.dossiers.services.intake import (
    ApplicantInput, accept_online, missing_documents, receive_dossier, record_incomplete_intake, refuse_intake, reject_online, submit_online,
)
from congvu.dossiers.services.numbering import LetterForm, next_dossier_code, next_letter_number
from congvu.dossiers.services.processing import (
    accept_step, active_step, assign, confirm_payment, forward, issue_apology, receive_supplement, refuse, request_payment,
    request_supplement, send_back, start_processing, stop, withdraw,
)
from congvu.dossiers.services.results import record_result, return_result

__all__ = [
    "CONFLICT_MESSAGE", "ApplicantInput", "Conflict", "DossierError", "ErrorCode", "InvalidInput", "LetterForm", "NotFound",
    "ProcedureNotReceivable", "TransitionNotAllowed", "accept_online", "accept_step", "action_params", "active_step", "assign",
    "at_risk", "confirm_payment", "forward", "is_overdue", "issue_apology", "missing_documents", "next_dossier_code",
    "next_letter_number", "perform_action", "receive_dossier", "receive_supplement", "record_incomplete_intake", "record_result",
    "refuse", "refuse_intake", "reject_online", "request_payment", "request_supplement", "return_result", "send_back",
    "start_processing", "stop", "submit_online", "withdraw",
]
