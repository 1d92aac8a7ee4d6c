"""The API's error contract: every 4xx is JSON `{"code", "message", "fields"}`.

`code` is a stable machine code other systems can branch on; `message` is Vietnamese for a person;
`fields` maps an input field to what is wrong with it.
"""

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ApiError(Exception):
    """Raised by endpoints (or translated from a domain error) to answer with a structured 4xx."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, "fields": self.fields}


NOT_FOUND = {404: ErrorOut}
VALIDATION = {422: ErrorOut}
