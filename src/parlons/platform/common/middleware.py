"""Turn errors a person caused into clear pages instead of 500s."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _


class FriendlyErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ValidationError):
            return render(request, "errors/400.html",
                          {"message": " ".join(exception.messages) or _("Invalid request.")},
                          status=400)
        return None
