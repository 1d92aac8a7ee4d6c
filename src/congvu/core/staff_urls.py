from django.contrib.auth import views as auth_views
from django.urls import path

from congvu.core import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="congvu/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
