"""Errors of the feedback services: a stable machine code (for an API), a message for the person in front of
the screen, the fields at fault, and the HTTP status an adapter should answer with."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    NOT_ALLOWED = "transition_not_allowed"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    NOT_RATABLE = "not_ratable"
    ALREADY_RATED = "already_rated"
    VERDICT_GIVEN = "verdict_already_given"
    RATE_LIMITED = "rate_limited"
    NOT_CONFIGURED = "not_configured"


_STATUS = {
    ErrorCode.INVALID_INPUT: 400,
    ErrorCode.NOT_ALLOWED: 409,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOT_RATABLE: 409,
    ErrorCode.ALREADY_RATED: 409,
    ErrorCode.VERDICT_GIVEN: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.NOT_CONFIGURED: 503,
}


class FeedbackError(Exception):
    def __init__(self, code: ErrorCode, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = str(message)
        self.fields = fields or {}

    @property
    def status(self) -> int:
        return _STATUS[self.code]

    def __str__(self) -> str:
        return self.message

    def payload(self) -> dict:
        return {"code": self.code.value, "message": self.message, "fields": self.fields}
