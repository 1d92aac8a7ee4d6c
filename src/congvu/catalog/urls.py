from django.urls import path

from congvu.catalog import views

app_name = "catalog"
urlpatterns = [
    # The site's home page ("/") is the citizen portal's (congvu.portal), which links here.
    path("thu-tuc/", views.procedure_list, name="procedure_list"),
    path("thu-tuc/xuat-excel/", views.procedure_export, name="procedure_export"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure_detail"),
    path("thu-tuc/<str:code>/phien-ban/<int:number>/", views.procedure_version, name="procedure_version"),
    path("thu-tuc/<str:code>/huong-dan.pdf", views.procedure_guide_pdf, name="procedure_guide_pdf"),
]
