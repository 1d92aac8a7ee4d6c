from django.urls import path

from congvu.privacy import views

app_name = "privacy_public"
urlpatterns = [
    path("du-lieu-cua-toi/", views.my_data, name="my_data"),
    path("du-lieu-cua-toi/tai-ve/", views.my_data_download, name="my_data_download"),
]
