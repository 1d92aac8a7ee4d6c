"""Domain errors of the catalogue: a stable machine code for the API, a translated message for people."""

from enum import StrEnum


class CatalogErrorCode(StrEnum):
    NOT_RECEIVABLE = "procedure_not_receivable"
    WORKFLOW_SHARES = "workflow_shares_mismatch"
    WORKFLOW_NO_TIME_LIMIT = "workflow_without_time_limit"
    WORKFLOW_STEP_INVALID = "workflow_step_invalid"
    COMPLETION_INVALID = "completion_invalid"
    ABOLITION_INVALID = "abolition_invalid"


class CatalogError(Exception):
    def __init__(self, code: CatalogErrorCode, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def __str__(self) -> str:
        return self.message


class ProcedureNotReceivable(CatalogError):
    """The version lacks what intake needs (a usable time limit, every fee's amount) or is abolished."""

    def __init__(self, message: str, reasons: list[str]):
        super().__init__(CatalogErrorCode.NOT_RECEIVABLE, message, {"procedure": reasons})
        self.reasons = reasons


class WorkflowError(CatalogError):
    pass


class CompletionError(CatalogError):
    pass
