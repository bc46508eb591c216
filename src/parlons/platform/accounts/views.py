"""Views of the accounts app: thin, forms validate and services write."""

from __future__ import annotations

import io
import json
import zipfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from parlons.platform.accounts import selectors, services
from parlons.platform.accounts.forms import (
    DeleteAccountForm,
    DemographicsForm,
    LoginForm,
    PasswordResetRequestForm,
    ProfileForm,
    SignupForm,
)
from parlons.platform.accounts.ratelimits import rate_limited


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _site_name(request) -> str:
    organisation = getattr(request, "organisation", None)
    return organisation.name if organisation else "Parlons"


def _set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE)


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("signup")
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    organisation = getattr(request, "organisation", None)
    if request.method == "POST":
        form = SignupForm(request.POST, organisation=organisation)
        if form.is_valid():
            data = form.cleaned_data
            services.sign_up(email=data["email"], password=data["password"],
                             display_name=data["display_name"], language=data["language"],
                             base_url=_base_url(request), site_name=_site_name(request))
            # The same answer whether the address already had an account or not.
            return redirect("accounts:signup_done")
        form.refresh_time_trap()
    else:
        form = SignupForm(organisation=organisation)
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html")


@require_http_methods(["GET"])
def confirm_email(request, token: str):
    user = services.confirm_email(token)
    if user is None:
        return render(request, "accounts/confirm_invalid.html", status=400)
    messages.success(request, gettext("Your e-mail address is confirmed. You can now log in."))
    return redirect("accounts:login")


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("login")
def login(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user = form.user
        auth_login(request, user)
        translation.activate(user.language)
        response = redirect(next_url or settings.LOGIN_REDIRECT_URL)
        _set_language_cookie(response, user.language)
        return response
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout(request):
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("password_reset")
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(email=form.cleaned_data["email"],
                                        base_url=_base_url(request),
                                        site_name=_site_name(request))
        # The same answer whether the address has an account or not.
        return redirect("accounts:password_reset_done")
    return render(request, "accounts/password_reset.html", {"form": form})


def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        services.set_new_password(form.user, form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


password_reset_confirm = PasswordResetConfirmView.as_view()


def password_reset_complete(request):
    return render(request, "accounts/password_reset_complete.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    organisation = getattr(request, "organisation", None)
    form = ProfileForm(request.POST or None, organisation=organisation,
                       initial={"display_name": user.display_name, "language": user.language})
    if request.method == "POST" and form.is_valid():
        services.update_profile(user, **form.cleaned_data)
        translation.activate(user.language)
        messages.success(request, gettext("Your profile has been saved."))
        response = redirect("accounts:profile")
        _set_language_cookie(response, user.language)
        return response
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def demographics(request):
    organisation = getattr(request, "organisation", None)
    if organisation is None:
        raise Http404
    profile = selectors.demographic_profile(request.user, organisation)
    if request.method == "POST" and "withdraw" in request.POST:
        services.withdraw_demographics(request.user, organisation)
        messages.success(request, gettext("Your consent is withdrawn and your answers are deleted."))
        return redirect("accounts:demographics")
    form = DemographicsForm(request.POST or None, instance=profile, organisation=organisation,
                            initial={"consent": profile is not None})
    if request.method == "POST" and form.is_valid():
        services.save_demographics(request.user, organisation, **form.answers())
        messages.success(request, gettext("Your answers have been saved. Thank you."))
        return redirect("accounts:demographics")
    return render(request, "accounts/demographics.html", {"form": form, "profile": profile})


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    user = request.user
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.delete_account(user)
        auth_logout(request)
        messages.success(request, gettext("Your account has been deleted."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    context = {
        "form": form,
        "demographics": selectors.demographic_profiles(user),
        "roles": selectors.organisation_roles(user),
    }
    return render(request, "accounts/delete_account.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def export_data(request):
    if request.method == "GET":
        return render(request, "accounts/export_data.html")
    data = selectors.personal_data(request.user)
    data["exported_at"] = timezone.now().isoformat()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("parlons-personal-data.json",
                         json.dumps(data, ensure_ascii=False, indent=2, default=str))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    filename = f"parlons-data-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def profile_root(request):
    return redirect(reverse("accounts:profile"))
