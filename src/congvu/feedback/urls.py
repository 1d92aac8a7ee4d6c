from django.urls import path

from congvu.feedback import views

app_name = "feedback"
# Fixed words come before "<code>/": a tracking code always has the shape PA-YYMMDD-XXXXXX, which none of them has.
urlpatterns = [
    path("danh-gia/<str:token>/", views.rate, name="rate"),
    path("danh-gia/<str:token>/cam-on/", views.rate_thanks, name="rate_thanks"),
    path("phan-anh/", views.submit, name="submit"),
    path("phan-anh/can-bo/", views.officer_options, name="officer_options"),
    path("phan-anh/thu-tuc/", views.procedure_options, name="procedure_options"),
    path("phan-anh/cong-khai/", views.published, name="published"),
    path("phan-anh/da-gui/<str:code>/", views.submitted, name="submitted"),
    path("phan-anh/<str:code>/", views.track, name="track"),
]
