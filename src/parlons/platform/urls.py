"""URL map of the platform."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from parlons.platform.accounts.views_language import set_language

handler400 = "parlons.platform.common.views.bad_request"
handler403 = "parlons.platform.common.views.permission_denied"
handler404 = "parlons.platform.common.views.page_not_found"
handler500 = "parlons.platform.common.views.server_error"

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("compte/", include("parlons.platform.accounts.urls")),
    path("gestion/", include("parlons.platform.backoffice.urls")),
    path("propositions/", include("parlons.platform.proposals.urls")),
    path("django-admin/", admin.site.urls),
    path("recherche-qualitative/", include("parlons.platform.research.urls")),
    path("", include("parlons.platform.web.urls")),
]
if settings.DEBUG or settings.MEDIA_ROOT:
    # Uploaded files. In production the reverse proxy serves MEDIA_ROOT directly (see README).
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
