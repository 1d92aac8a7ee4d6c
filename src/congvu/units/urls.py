from django.urls import path

from congvu.units import views

app_name = "units"
urlpatterns = [
    path("", views.unit_list, name="list"),
    # No trailing slash, so no unit code (whose page is "<code>/") can ever shadow it.
    path("export.xlsx", views.unit_export, name="export"),
    path("<str:code>/", views.unit_detail, name="detail"),
]
