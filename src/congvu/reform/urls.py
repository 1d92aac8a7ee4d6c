from django.urls import path

from congvu.reform import views

app_name = "reform"
urlpatterns = [
    path("", views.home, name="home"),
    path("import/", views.import_framework, name="import"),
    path("<int:pk>/", views.framework_detail, name="framework"),
    path("<int:pk>/criteria.xlsx", views.framework_export, name="framework_export"),
    path("<int:pk>/unit/<str:code>/", views.assessment, name="assessment"),
    path("<int:pk>/unit/<str:code>/delegates/", views.delegates, name="delegates"),
    path("<int:pk>/unit/<str:code>/verify/", views.verify, name="verify"),
    path("<int:pk>/unit/<str:code>/return/", views.return_to_unit, name="return"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results.xlsx", views.results_export, name="results_export"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("external/", views.external_list, name="external"),
    path("external.xlsx", views.external_export, name="external_export"),
    path("external/new/", views.external_edit, name="external_new"),
    path("external/<int:pk>/", views.external_edit, name="external_edit"),
]
