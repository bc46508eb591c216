"""Apply the language chosen by the person (profile or cookie) before LocaleMiddleware."""

from __future__ import annotations

from django.conf import settings


class UserLanguageMiddleware:
    """LocaleMiddleware reads the cookie; we only make sure it never falls back to the browser's
    Accept-Language for a language the organisation has not enabled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        organisation = getattr(request, "organisation", None)
        allowed = organisation.languages if organisation else [c for c, _ in settings.LANGUAGES]
        if cookie not in allowed:
            request.META["HTTP_ACCEPT_LANGUAGE"] = allowed[0]
        return self.get_response(request)
