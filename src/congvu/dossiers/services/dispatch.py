"""`perform_action`: the one entry point the staff pages and the API use to act on an existing dossier."""

from __future__ import annotations

import datetime as dt
import inspect

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime

from congvu.dossiers.services import intake, processing, results
from congvu.dossiers.services.errors import ErrorCode, InvalidInput
from congvu.dossiers.states import Action
from congvu.units.models import Unit


def _unit(value, name="to_unit"):
    if value is None or isinstance(value, Unit):
        return value
    unit = Unit.objects.filter(code=str(value)).first()
    if unit is None:
        raise InvalidInput("Không có đơn vị này.", {name: [f"Không có đơn vị mã “{value}”."]})
    return unit


def _user(value, name="assignee"):
    User = get_user_model()
    if value is None or isinstance(value, User):
        return value
    text = str(value).strip()
    user = User.objects.filter(**{User.USERNAME_FIELD: text}).first()
    if user is None and text.isdigit():
        user = User.objects.filter(pk=int(text)).first()
    if user is None or not user.is_active:
        raise InvalidInput("Không có cán bộ này.", {name: [f"Không có tài khoản “{text}”."]})
    return user


def _instant(value, name="new_due_at"):
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise InvalidInput("Thời điểm không hợp lệ.", {name: ["Thời điểm ISO 8601 có múi giờ, ví dụ 2026-05-04T17:00:00+07:00."]})
    return parsed


_SERVICES = {
    Action.RECEIVE: (intake.accept_online, {}),
    Action.NOT_ACCEPT: (intake.reject_online, {}),
    Action.START_PROCESSING: (processing.start_processing, {}),
    Action.ACCEPT_STEP: (processing.accept_step, {}),
    Action.FORWARD: (processing.forward, {"to_unit": _unit}),
    Action.SEND_BACK: (processing.send_back, {}),
    Action.ASSIGN: (processing.assign, {"assignee": _user}),
    Action.REQUEST_SUPPLEMENT: (processing.request_supplement, {}),
    Action.RECEIVE_SUPPLEMENT: (processing.receive_supplement, {}),
    Action.REQUEST_PAYMENT: (processing.request_payment, {}),
    Action.CONFIRM_PAYMENT: (processing.confirm_payment, {}),
    Action.WITHDRAW: (processing.withdraw, {}),
    Action.STOP: (processing.stop, {}),
    Action.REFUSE: (processing.refuse, {}),
    Action.ISSUE_APOLOGY: (processing.issue_apology, {"new_due_at": _instant}),
    Action.RECORD_RESULT: (results.record_result, {}),
    Action.RETURN_RESULT: (results.return_result, {}),
}

_NOT_PARAMS = {"dossier", "actor", "officer", "expected_version", "at"}


def action_params(action: Action) -> dict[str, bool]:
    """The parameters an action takes, each with whether it is required (for forms and API documentation)."""
    service, _ = _SERVICES[action]
    return {
        name: p.default is inspect.Parameter.empty
        for name, p in inspect.signature(service).parameters.items() if name not in _NOT_PARAMS
    }


def perform_action(dossier, action: str | Action, *, actor, expected_version: int | None = None, at: dt.datetime | None = None, **params):
    """Run the service of `action` on `dossier`. Unknown actions, unknown or missing parameters → InvalidInput;
    otherwise whatever the service raises (TransitionNotAllowed, Conflict, InvalidInput …)."""
    try:
        action = Action(action)
    except ValueError:
        raise InvalidInput(f"Không có thao tác “{action}”.", {"action": [f"Chọn một trong: {', '.join(a.value for a in _SERVICES)}."]},
                           code=ErrorCode.UNKNOWN_ACTION) from None
    if action not in _SERVICES:
        raise InvalidInput(f"Thao tác “{action.value}” không áp dụng cho hồ sơ đã có.", {"action": ["Dùng API tạo hồ sơ."]}, code=ErrorCode.UNKNOWN_ACTION)
    service, converters = _SERVICES[action]
    accepted = action_params(action)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise InvalidInput("Có tham số không hợp lệ cho thao tác này.", {name: ["Tham số không được hỗ trợ."] for name in unknown})
    missing = sorted(name for name, required in accepted.items() if required and params.get(name) in (None, ""))
    if missing:
        raise InvalidInput("Thiếu thông tin bắt buộc cho thao tác này.", {name: ["Bắt buộc."] for name in missing})
    for name, convert in converters.items():
        if name in params:
            params[name] = convert(params[name], name)
    if expected_version is not None:
        try:
            expected_version = int(expected_version)
        except (TypeError, ValueError):
            raise InvalidInput("Phiên bản hồ sơ không hợp lệ.", {"expected_version": ["Số nguyên."]}) from None
    first = "officer" if "officer" in inspect.signature(service).parameters else "actor"
    return service(dossier, **{first: actor}, expected_version=expected_version, at=at, **params)
