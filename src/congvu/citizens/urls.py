from django.urls import path

from congvu.citizens import views

app_name = "citizens"
urlpatterns = [
    path("ho-so-cua-toi/", views.my_dossiers, name="my_dossiers"),
    path("cong-dan/dang-nhap/", views.sign_in, name="sign_in"),
    # The redirect URI to register at the identity provider: <public base>/cong-dan/dang-nhap/xong/.
    path("cong-dan/dang-nhap/xong/", views.callback, name="callback"),
    path("cong-dan/dang-xuat/", views.sign_out, name="sign_out"),
]
