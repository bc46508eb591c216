from django.urls import path

from parlons.platform.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile_root, name="home"),
    path("inscription/", views.signup, name="signup"),
    path("inscription/envoyee/", views.signup_done, name="signup_done"),
    path("confirmation/<str:token>/", views.confirm_email, name="confirm_email"),
    path("connexion/", views.login, name="login"),
    path("deconnexion/", views.logout, name="logout"),
    path("mot-de-passe/", views.password_reset, name="password_reset"),
    path("mot-de-passe/envoye/", views.password_reset_done, name="password_reset_done"),
    path("mot-de-passe/nouveau/<uidb64>/<token>/", views.password_reset_confirm,
         name="password_reset_confirm"),
    path("mot-de-passe/modifie/", views.password_reset_complete, name="password_reset_complete"),
    path("profil/", views.profile, name="profile"),
    path("donnees-demographiques/", views.demographics, name="demographics"),
    path("suppression/", views.delete_account, name="delete_account"),
    path("mes-donnees/", views.export_data, name="export_data"),
]
