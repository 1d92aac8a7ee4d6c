from django.urls import path

from congvu.sync import views

app_name = "sync"
urlpatterns = [
    path("", views.sync_list, name="list"),
    path("export.xlsx", views.sync_export, name="export"),
    path("<str:code>/", views.sync_detail, name="detail"),
    path("<str:code>/resend/", views.sync_resend, name="resend"),
]
