from django.urls import path

from congvu.indices import views

app_name = "indices"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("766/", views.scorecard, name="scorecard"),
    path("766/export.<str:fmt>", views.scorecard_export, name="scorecard_export"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/export.xlsx", views.ranking_export, name="ranking_export"),
    path("reports/", views.report, name="report"),
    path("reports/export.<str:fmt>", views.report_export, name="report_export"),
    path("behind/", views.behind, name="behind"),
    path("behind/export.xlsx", views.behind_export, name="behind_export"),
]
