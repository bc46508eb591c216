from django.urls import path

from parlons.platform.backoffice import views

app_name = "backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organisation/", views.organisation_settings, name="organisation_settings"),
    path("roles/", views.organisation_roles, name="organisation_roles"),
    path("roles/<int:pk>/retirer/", views.organisation_role_remove, name="organisation_role_remove"),
    path("territoire/", views.territory, name="territory"),
    path("territoire/<str:kind>/<int:pk>/supprimer/", views.territory_delete,
         name="territory_delete"),
    path("espaces/nouveau/", views.space_create, name="space_create"),
    path("espaces/<int:pk>/", views.space_edit, name="space_edit"),
    path("espaces/<int:pk>/supprimer/", views.space_delete, name="space_delete"),
    path("espaces/<int:pk>/phases/", views.phases, name="phases"),
    path("phases/<int:pk>/", views.phase_edit, name="phase_edit"),
    path("phases/<int:pk>/supprimer/", views.phase_delete, name="phase_delete"),
    path("espaces/<int:pk>/composants/", views.components, name="components"),
    path("composants/<int:pk>/", views.component_edit, name="component_edit"),
    path("composants/<int:pk>/contenu/", views.component_manage, name="component_manage"),
    path("composants/<int:pk>/supprimer/", views.component_delete, name="component_delete"),
    path("espaces/<int:pk>/roles/", views.space_roles, name="space_roles"),
    path("roles-espace/<int:pk>/retirer/", views.space_role_remove, name="space_role_remove"),
]
