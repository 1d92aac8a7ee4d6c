from django.urls import path

from congvu.privacy import views

app_name = "privacy"
urlpatterns = [
    path("xem-day-du/", views.reveal, name="reveal"),
    path("an-di/", views.conceal, name="conceal"),
    path("nhat-ky/", views.access_log, name="access_log"),
    path("nhat-ky/export.xlsx", views.access_log_export, name="access_log_export"),
    path("yeu-cau/", views.request_list, name="requests"),
    path("yeu-cau/moi/", views.request_new, name="request_new"),
    path("yeu-cau/<int:pk>/", views.request_detail, name="request"),
    path("yeu-cau/<int:pk>/dong/", views.request_close, name="request_close"),
    path("yeu-cau/<int:pk>/du-lieu/", views.request_export, name="request_export"),
]
