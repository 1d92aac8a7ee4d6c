from django.urls import path

from congvu.feedback import staff_views as views

app_name = "feedback_staff"
# Fixed words come before "<code>/" (tracking codes look like PA-YYMMDD-XXXXXX).
urlpatterns = [
    path("", views.feedback_list, name="list"),
    path("export.xlsx", views.feedback_export, name="export"),
    path("ghi-nhan/", views.record, name="record"),
    path("danh-gia/", views.rating_list, name="ratings"),
    path("danh-gia/export.xlsx", views.rating_export, name="ratings_export"),
    path("sipas/", views.sipas, name="sipas"),
    path("sipas/export.xlsx", views.sipas_export, name="sipas_export"),
    path("sipas/danh-gia/", views.sipas_ratings, name="sipas_ratings"),
    path("sipas/ket-qua-chinh-thuc/", views.official_results, name="official_results"),
    path("sipas/ket-qua-chinh-thuc/mau.xlsx", views.official_template, name="official_template"),
    path("<str:code>/", views.feedback_detail, name="detail"),
    path("<str:code>/thao-tac/", views.feedback_action, name="action"),
]
