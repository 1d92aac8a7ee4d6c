from django.urls import path

from congvu.dossiers import views

app_name = "dossiers"
# Fixed words come before "<code>/": a dossier code always has the shape <identifier>-<YYMMDD>-<NNNN>, so none
# of them can ever be a code, and the order makes it certain.
urlpatterns = [
    path("", views.dossier_list, name="list"),
    path("export.xlsx", views.dossier_export, name="export"),
    path("tiep-nhan/", views.intake, name="intake"),
    path("tiep-nhan/thu-tuc/", views.procedure_search, name="procedure_search"),
    path("tiep-nhan/kho-du-lieu/", views.citizen_documents, name="citizen_documents"),
    path("tiep-nhan/ket-qua/<int:pk>/", views.intake_record, name="intake_record"),
    path("tiep-nhan/ket-qua/<int:pk>/phieu.pdf", views.intake_record_letter, name="intake_record_letter"),
    path("viec-can-lam/", views.worklist, name="worklist"),
    path("viec-can-lam/export.xlsx", views.worklist_export, name="worklist_export"),
    path("so-theo-doi/", views.register, name="register"),
    path("<str:code>/", views.dossier_detail, name="detail"),
    path("<str:code>/thao-tac/", views.dossier_action, name="action"),
    path("<str:code>/phieu/<slug:kind>.pdf", views.dossier_letter, name="letter"),
    path("<str:code>/tep/<int:pk>/", views.result_file, name="file"),
]
