"""Errors of the dossier services: a stable machine code (the API's `code`), a Vietnamese message for the
person at the counter, the fields at fault, and the HTTP status an adapter should answer with."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    APPLICANT_INVALID = "applicant_invalid"
    DOCUMENTS_MISSING = "documents_missing"
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    PROCEDURE_NOT_RECEIVABLE = "procedure_not_receivable"
    UNKNOWN_ACTION = "unknown_action"
    APOLOGY_NOT_ALLOWED = "apology_not_allowed"


CONFLICT_MESSAGE = "Hồ sơ vừa được người khác cập nhật; vui lòng tải lại và thử lại."


class DossierError(Exception):
    status = 400

    def __init__(self, code: ErrorCode | str, message: str, fields: dict[str, list[str]] | None = None, status: int | None = None):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.fields = fields or {}
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class InvalidInput(DossierError):
    status = 422

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None, code: ErrorCode | str = ErrorCode.INVALID_INPUT):
        super().__init__(code, message, fields)


class TransitionNotAllowed(DossierError):
    status = 409

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(ErrorCode.TRANSITION_NOT_ALLOWED, message, fields)


class Conflict(DossierError):
    status = 409

    def __init__(self, message: str = CONFLICT_MESSAGE):
        super().__init__(ErrorCode.CONFLICT, message)


class NotFound(DossierError):
    status = 404

    def __init__(self, message: str = "Không tìm thấy hồ sơ."):
        super().__init__(ErrorCode.NOT_FOUND, message)


class ProcedureNotReceivable(DossierError):
    status = 422

    def __init__(self, message: str, reasons: list[str]):
        super().__init__(ErrorCode.PROCEDURE_NOT_RECEIVABLE, message, {"procedure": reasons})
