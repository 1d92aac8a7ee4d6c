"""URLconf for the units tests: the real root URLconf, plus the units pages and API router when the
root one does not mount them yet (it will: `staff/units/` and `api.add_router("/units", …)`)."""

from django.urls import include, path
from ninja import NinjaAPI

from congvu import urls as root
from congvu.api import units as units_api
from congvu.api.main import api

urlpatterns = list(root.urlpatterns)

if not any(getattr(p, "namespace", None) == "units" for p in urlpatterns):
    urlpatterns.insert(0, path("staff/units/", include("congvu.units.urls")))

if not any(router is units_api.router for _prefix, router in api._routers):
    # The real API instance's URLs are already built; a second instance with the same error handlers
    # serves the units router under the same prefix, matched before the real one.
    test_api = NinjaAPI(title="congvu API (units tests)", version="1", urls_namespace="units_test_api")
    test_api._exception_handlers = dict(api._exception_handlers)
    test_api.add_router("/units", units_api.router, tags=["units"])
    urlpatterns.insert(0, path("api/v1/", test_api.urls))
