from django.urls import path

from congvu.queueing import views

app_name = "queueing"
# "quay/<id>/" comes first: a centre's pages all have a fixed word after the unit code, so the two never meet.
urlpatterns = [
    path("", views.index, name="index"),
    path("quay/<int:pk>/", views.counter, name="counter"),
    path("quay/<int:pk>/thao-tac/", views.counter_action, name="counter_action"),
    path("quay/<int:pk>/hang-cho/", views.counter_queue, name="counter_queue"),
    path("<str:unit_code>/kiosk/", views.kiosk, name="kiosk"),
    path("<str:unit_code>/kiosk/ve/<str:token>/", views.ticket, name="ticket"),
    path("<str:unit_code>/kiosk/ve/<str:token>/ve.pdf", views.ticket_pdf, name="ticket_pdf"),
    path("<str:unit_code>/bang/", views.board, name="board"),
    path("<str:unit_code>/bang/cap-nhat/", views.board_update, name="board_update"),
    path("<str:unit_code>/thong-ke/", views.statistics_page, name="statistics"),
    path("<str:unit_code>/thong-ke/export.xlsx", views.statistics_export, name="statistics_export"),
]
