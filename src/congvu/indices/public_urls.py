from django.urls import path

from congvu.indices import views

app_name = "transparency"
urlpatterns = [
    path("minh-bach/", views.transparency, name="index"),
]
