from django.urls import path

from congvu.emulation import views

app_name = "emulation"
urlpatterns = [
    path("", views.home, name="home"),
    path("titles/", views.titles, name="titles"),
    path("movements/", views.movement_list, name="movements"),
    path("movements/new/", views.movement_new, name="movement_new"),
    path("movements/<int:pk>/", views.movement_detail, name="movement"),
    path("movements/<int:pk>/register/", views.movement_register, name="movement_register"),
    path("movements/<int:pk>/participants/<int:participant>/score/", views.movement_score, name="movement_score"),
    path("movements/<int:pk>/close/", views.movement_close, name="movement_close"),
    path("movements/<int:pk>/results.xlsx", views.movement_export, name="movement_export"),
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives.xlsx", views.initiative_export, name="initiatives_export"),
    path("initiatives/new/", views.initiative_new, name="initiative_new"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="initiative"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<str:code>/<int:year>/", views.proposal_detail, name="proposal"),
    path("proposals/<str:code>/<int:year>/lines/<int:line>/", views.proposal_adjust, name="proposal_adjust"),
    path("proposals/<str:code>/<int:year>/submit/", views.proposal_submit, name="proposal_submit"),
    path("proposals/<str:code>/<int:year>/export.xlsx", views.proposal_export, name="proposal_export"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/new/", views.decision_new, name="decision_new"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("register/", views.register, name="register"),
    path("register.xlsx", views.register_export, name="register_export"),
    path("register.pdf", views.register_pdf, name="register_pdf"),
]
