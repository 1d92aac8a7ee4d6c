from django.contrib.auth import views as auth_views
from django.urls import path

from congvu.accounts import views as accounts
from congvu.core import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_home, name="home"),
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("login/ma-xac-thuc/", accounts.second_factor, name="second_factor"),
    path("login/cai-dat-xac-thuc/", accounts.second_factor_setup, name="second_factor_setup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("quen-mat-khau/", accounts.password_reset, name="password_reset"),
    path("quen-mat-khau/da-gui/", accounts.password_reset_done, name="password_reset_done"),
    path("dat-lai-mat-khau/<uidb64>/<token>/", accounts.PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("dat-lai-mat-khau/xong/", accounts.PasswordResetComplete.as_view(), name="password_reset_complete"),
]
