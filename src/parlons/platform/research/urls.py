from django.urls import path

from parlons.platform.research import views

app_name = "research"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("nouveau/", views.project_create, name="create"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/membres/", views.members, name="members"),
    path("<int:pk>/membres/<int:mid>/retirer/", views.member_remove, name="member_remove"),
    path("<int:pk>/importer/", views.import_data, name="import"),
    path("<int:pk>/codes/", views.codes, name="codes"),
    path("<int:pk>/codes/<int:cid>/", views.code_edit, name="code_edit"),
    path("<int:pk>/codes.css", views.codes_css, name="codes_css"),
    path("<int:pk>/cas/", views.cases, name="cases"),
    path("<int:pk>/sources/<int:sid>/", views.source_detail, name="source"),
    path("<int:pk>/codages/<int:cid>/supprimer/", views.coding_delete, name="coding_delete"),
    path("<int:pk>/memos/", views.memo_add, name="memo_add"),
    path("<int:pk>/requetes/", views.queries, name="queries"),
    path("<int:pk>/requetes/extraits/", views.quotes, name="quotes"),
    path("<int:pk>/export.qdpx", views.export_qdpx, name="export_qdpx"),
]
