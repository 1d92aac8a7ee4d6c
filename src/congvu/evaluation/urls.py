from django.urls import path

from congvu.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.home, name="home"),
    path("open/", views.open_my_sheet, name="open_mine"),
    path("sheet/<int:pk>/", views.sheet_detail, name="sheet"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("unit/<str:code>/<int:year>/<int:month>/", views.board, name="board"),
    path("unit/<str:code>/<int:year>/<int:month>/results.xlsx", views.board_export, name="board_export"),
    path("unit/<str:code>/<int:year>/<int:month>/results.pdf", views.board_pdf, name="board_pdf"),
    path("unit/<str:code>/<int:year>/", views.summary, name="summary"),
    path("unit/<str:code>/<int:year>/summary.xlsx", views.summary_export, name="summary_export"),
]
