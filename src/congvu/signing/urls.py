from django.urls import path

from congvu.signing import views

app_name = "signing"
urlpatterns = [
    path("xac-thuc-van-ban/", views.verify, name="verify"),
]
