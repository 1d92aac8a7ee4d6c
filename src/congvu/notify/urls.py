from django.urls import path

from congvu.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.outbox_list, name="list"),
    path("export.xlsx", views.outbox_export, name="export"),
    path("mailbox/", views.mailbox, name="mailbox"),
    path("<int:pk>/", views.message_detail, name="detail"),
    path("<int:pk>/retry/", views.message_retry, name="retry"),
]
