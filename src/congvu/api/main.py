"""The one NinjaAPI instance under /api/v1/; each domain adds its router in its own module."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from congvu.api.errors import ApiError

api = NinjaAPI(
    title="congvu API",
    version="1",
    description="API của hệ thống một cửa điện tử congvu. Lỗi trả về JSON {code, message, fields}.",
    urls_namespace="api",
)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(request, exc.payload(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "_", []).append(err.get("msg", ""))
    payload = {"code": "validation_error", "message": "Dữ liệu gửi lên không hợp lệ.", "fields": fields}
    return api.create_response(request, payload, status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "Không tìm thấy.", "fields": {}}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    payload = {"code": "unauthenticated", "message": "Cần xác thực để gọi API này.", "fields": {}}
    return api.create_response(request, payload, status=401)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        # django-ninja's only 400 is a body that is not JSON at all: bad input like any other, so the documented
        # 422 of the operation (the fuzzing found it answered an undocumented 400 with an English message).
        payload = {"code": "malformed_body", "message": "Nội dung gửi lên không phải JSON hợp lệ.", "fields": {"_": ["Gửi một đối tượng JSON."]}}
        return api.create_response(request, payload, status=422)
    payload = {"code": f"http_{exc.status_code}", "message": str(exc), "fields": {}}
    return api.create_response(request, payload, status=exc.status_code)


def _register_routers() -> None:
    from congvu.api import dossiers, national, opendata, procedures, units

    api.add_router("/dossiers", dossiers.router, tags=["dossiers"])
    api.add_router("/procedures", procedures.router, tags=["procedures"])
    api.add_router("/units", units.router, tags=["units"])
    api.add_router("/national", national.router, tags=["national portal"])
    api.add_router("/open", opendata.router, tags=["open data"])


_register_routers()
