from django.urls import path

from parlons.platform.proposals import views

app_name = "proposals"
urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("donnees-ouvertes/", views.open_data, name="open_data"),
    path("donnees-ouvertes/<slug:name>.csv", views.open_data_file, name="open_data_file"),
    path("<int:component_id>/export/<slug:kind>.<slug:fmt>", views.export, name="export"),
    path("notifications/", views.notifications, name="notifications"),
    path("espaces/<slug:slug>/suivre/", views.follow_space, name="follow_space"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("personnes/<int:user_id>/signaler/", views.report_user, name="report_user"),
    path("personnes/<int:user_id>/blocage/", views.block, name="block"),
    path("<int:component_id>/nouvelle/", views.create, name="create"),
    path("<int:component_id>/saisie-agent/", views.create_for_citizen, name="create_for_citizen"),
    path("<int:component_id>/reponses/", views.manage, name="manage"),
    path("<int:component_id>/carte/", views.proposals_map, name="map"),
    path("<int:component_id>/<int:pk>/", views.detail, name="detail"),
    path("<int:component_id>/<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:component_id>/<int:pk>/publier/", views.publish, name="publish"),
    path("<int:component_id>/<int:pk>/retirer/", views.withdraw, name="withdraw"),
    path("<int:component_id>/<int:pk>/soutien/", views.toggle_support, name="support"),
    path("<int:component_id>/<int:pk>/suivre/", views.toggle_follow, name="follow"),
    path("<int:component_id>/<int:pk>/commenter/", views.comment, name="comment"),
    path("<int:component_id>/<int:pk>/signaler/", views.report_proposal, name="report"),
    path("<int:component_id>/<int:pk>/reponse/", views.answer, name="answer"),
    path("<int:component_id>/<int:pk>/moderation/", views.moderate_proposal, name="moderate"),
    path("<int:component_id>/<int:pk>/votes/", views.comment_vote, name="comment_vote"),
    path("<int:component_id>/<int:pk>/suppression-commentaire/", views.comment_delete,
         name="comment_delete"),
    path("<int:component_id>/commentaires/<int:comment_id>/signaler/", views.report_comment,
         name="comment_report"),
    path("<int:component_id>/commentaires/<int:comment_id>/modifier/", views.comment_edit,
         name="comment_edit"),
    path("<int:component_id>/commentaires/<int:comment_id>/moderation/", views.moderate_comment,
         name="comment_moderate"),
]
