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
    path("<int:pk>/importer/<int:jid>/", views.import_job, name="import_job"),
    path("<int:pk>/codes/", views.codes, name="codes"),
    path("<int:pk>/codes/<int:cid>/", views.code_edit, name="code_edit"),
    path("<int:pk>/codes/<int:cid>/supprimer/", views.code_delete, name="code_delete"),
    path("<int:pk>/codes.css", views.codes_css, name="codes_css"),
    path("<int:pk>/cas/", views.cases, name="cases"),
    path("<int:pk>/cas/<int:kid>/supprimer/", views.case_delete, name="case_delete"),
    path("<int:pk>/sources/<int:sid>/", views.source_detail, name="source"),
    path("<int:pk>/sources/<int:sid>/supprimer/", views.source_delete, name="source_delete"),
    path("<int:pk>/codages/<int:cid>/supprimer/", views.coding_delete, name="coding_delete"),
    path("<int:pk>/memos/", views.memo_add, name="memo_add"),
    path("<int:pk>/memos/<int:mid>/supprimer/", views.memo_delete, name="memo_delete"),
    path("<int:pk>/ensembles/", views.sets_links, name="sets"),
    path("<int:pk>/ensembles/<str:guid>/", views.set_edit, name="set_edit"),
    path("<int:pk>/ensembles/<str:guid>/supprimer/", views.extra_delete, {"kind": "sets"},
         name="set_delete"),
    path("<int:pk>/liens/<str:guid>/supprimer/", views.extra_delete, {"kind": "links"},
         name="link_delete"),
    path("<int:pk>/pseudonymiser/", views.pseudonymise, name="pseudonymise"),
    path("<int:pk>/pseudonymiser/<int:kid>/cle.json", views.pseudonym_key, name="pseudonym_key"),
    path("<int:pk>/pseudonymiser/<int:kid>/supprimer/", views.pseudonym_key_delete,
         name="pseudonym_key_delete"),
    path("<int:pk>/requetes/", views.queries, name="queries"),
    path("<int:pk>/requetes/extraits/", views.quotes, name="quotes"),
    path("<int:pk>/export.qdpx", views.export_qdpx, name="export_qdpx"),
]
