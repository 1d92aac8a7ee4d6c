from django.urls import path

app_name = "indices"
urlpatterns: list = []
