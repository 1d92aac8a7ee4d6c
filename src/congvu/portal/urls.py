from django.urls import path

from congvu.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("tra-cuu/", views.lookup_form, name="lookup"),
    # The receipt's QR code (dossiers.letters.lookup_url) opens exactly this: /tra-cuu/<code>/?t=<token>.
    path("tra-cuu/<str:code>/", views.lookup_token, name="lookup_token"),
    path("nop-truc-tuyen/", views.online_list, name="online_list"),
    path("nop-truc-tuyen/da-nop/<str:token>/", views.filed, name="filed"),
    path("nop-truc-tuyen/<str:code>/", views.file_online, name="file_online"),
]
