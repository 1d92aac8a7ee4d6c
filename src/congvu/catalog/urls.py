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

# Decree 118/2025: the province's list of procedures received regardless of administrative boundary (staff pages).
from congvu.catalog import boundary_views  # noqa: E402

urlpatterns += [
    path("staff/catalog/dia-gioi/", boundary_views.listing_list, name="boundary_list"),
    path("staff/catalog/dia-gioi/xuat-excel/", boundary_views.listing_export, name="boundary_export"),
    path("staff/catalog/dia-gioi/them/", boundary_views.listing_new, name="boundary_new"),
    path("staff/catalog/dia-gioi/nhap/", boundary_views.listing_import, name="boundary_import"),
    path("staff/catalog/dia-gioi/<int:pk>/ket-thuc/", boundary_views.listing_end, name="boundary_end"),
]

# Differences between the catalogue and the national portal's procedure look-up (catalogue administrators).
from congvu.catalog import national_views  # noqa: E402

urlpatterns += [
    path("staff/catalog/doi-chieu-dvcqg/", national_views.difference_list, name="national_differences"),
    path("staff/catalog/doi-chieu-dvcqg/xuat-excel/", national_views.difference_export, name="national_differences_export"),
    path("staff/catalog/doi-chieu-dvcqg/<int:pk>/quyet-dinh/", national_views.difference_decide, name="national_difference_decide"),
]
