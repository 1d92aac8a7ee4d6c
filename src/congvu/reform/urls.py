from django.urls import path

app_name = "reform"
urlpatterns: list = []
