from django.contrib import admin
from django.urls import include, path

from congvu.api.main import api
from congvu.core import views as core_views

urlpatterns = [
    path("", include("congvu.catalog.urls")),
    path("", include("congvu.portal.urls")),
    path("", include("congvu.citizens.urls")),
    path("", include("congvu.feedback.urls")),
    path("", include("congvu.indices.public_urls")),
    path("", include("congvu.signing.urls")),
    path("", include("congvu.privacy.public_urls")),
    path("queue/", include("congvu.queueing.urls")),
    path("staff/units/", include("congvu.units.urls")),
    path("staff/dossiers/", include("congvu.dossiers.urls")),
    path("staff/notify/", include("congvu.notify.urls")),
    path("staff/feedback/", include("congvu.feedback.staff_urls")),
    path("staff/indices/", include("congvu.indices.urls")),
    path("staff/reform/", include("congvu.reform.urls")),
    path("staff/people/", include("congvu.people.urls")),
    path("staff/evaluation/", include("congvu.evaluation.urls")),
    path("staff/emulation/", include("congvu.emulation.urls")),
    path("staff/sync/", include("congvu.sync.urls")),
    path("staff/accounts/", include("congvu.accounts.urls")),
    path("staff/privacy/", include("congvu.privacy.urls")),
    path("staff/", include("congvu.core.staff_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
]

admin.site.site_header = "congvu — cấu hình hệ thống"
admin.site.site_title = "congvu"
admin.site.index_title = "Cấu hình"
