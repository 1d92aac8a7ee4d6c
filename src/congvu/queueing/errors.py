"""Errors of the queue services: a stable machine code, a Vietnamese message for the officer or the citizen at
the kiosk, and the HTTP status a page answers with. Nothing is written when one is raised."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    WRONG_STATE = "wrong_state"
    NOT_AT_COUNTER = "not_at_counter"
    COUNTER_BUSY = "counter_busy"
    GROUP_CLOSED = "group_closed"
    ALREADY_LINKED = "already_linked"


class QueueError(Exception):
    def __init__(self, code: ErrorCode | str, message: str, status: int = 409):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class InvalidInput(QueueError):
    def __init__(self, message: str, code: ErrorCode | str = ErrorCode.INVALID_INPUT):
        super().__init__(code, message, status=400)


# How each state reads after "số A012 …", for messages that say why an action is not possible.
STATE_PHRASES = {
    "waiting": "đang chờ được gọi",
    "called": "đang được mời lên quầy",
    "serving": "đang được phục vụ",
    "done": "đã được phục vụ xong",
    "skipped": "đã bị bỏ qua",
    "transferred": "đã được chuyển và đang chờ ở hàng mới",
    "no_show": "đã đóng vì công dân không đến",
}


def wrong_state(ticket, action: str, hint: str = "") -> QueueError:
    """“Không thể bỏ qua số A012 vì số này đang được phục vụ.” plus what to do instead."""
    message = f"Không thể {action} số {ticket.code} vì số này {STATE_PHRASES.get(ticket.status, ticket.status)}."
    return QueueError(ErrorCode.WRONG_STATE, f"{message} {hint}".strip())
