from django.urls import path

from congvu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("khoa-api/", views.tokens, name="tokens"),
    path("khoa-api/<int:pk>/thu-hoi/", views.token_revoke, name="token_revoke"),
    path("xac-thuc-hai-lop/", views.second_factors, name="second_factors"),
    path("xac-thuc-hai-lop/<int:pk>/dat-lai/", views.second_factor_reset, name="second_factor_reset"),
]
