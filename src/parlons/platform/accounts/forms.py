"""Forms of the accounts app (validation only; writes are in ``services``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parlons.platform.accounts.models import DELETED_DISPLAY_NAME, DemographicProfile, User
from parlons.platform.accounts.tokens import make_time_trap, time_trap_age

HONEYPOT_FIELD = "website"
TIME_TRAP_FIELD = "form_token"


def language_choices(organisation) -> list[tuple[str, str]]:
    """The languages the organisation offers (all of the platform's when there is none)."""
    allowed = organisation.languages if organisation else [c for c, _n in settings.LANGUAGES]
    return [(code, name) for code, name in settings.LANGUAGES if code in allowed]


def clean_display_name(value: str) -> str:
    value = " ".join((value or "").split())
    reserved = {str(DELETED_DISPLAY_NAME).casefold(), "deleted participant",
                "participant·e supprimé·e"}
    if value.casefold() in reserved:
        raise forms.ValidationError(gettext("This public name is reserved. Please choose another one."))
    return value


class EmailField(forms.EmailField):
    def to_python(self, value):
        return (super().to_python(value) or "").strip().lower()


class SignupForm(forms.Form):
    """Sign-up with a honeypot field and a signed time trap against robots."""

    email = EmailField(label=_("E-mail address"), max_length=254,
                       widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                       help_text=_("We will send you a link to confirm it."))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("At least 10 characters; avoid common passwords."))
    display_name = forms.CharField(
        label=_("Public name"), max_length=60, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
        help_text=_("Shown next to your contributions. Leave it empty to get a pseudonym."))
    language = forms.ChoiceField(label=_("Language"))
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(organisation)
        self.fields["language"].initial = self.fields["language"].choices[0][0]
        self.fields[TIME_TRAP_FIELD].initial = make_time_trap()

    def visible_fields(self):
        """The honeypot is rendered apart, hidden from people (see signup.html)."""
        return [field for field in super().visible_fields() if field.name != HONEYPOT_FIELD]

    def refresh_time_trap(self) -> None:
        """Give a re-rendered (invalid) form a fresh time trap for its next submission."""
        self.data = self.data.copy()
        self.data[TIME_TRAP_FIELD] = make_time_trap()

    @property
    def honeypot(self):
        return self[HONEYPOT_FIELD]

    def clean_display_name(self):
        return clean_display_name(self.cleaned_data.get("display_name", ""))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get(HONEYPOT_FIELD):
            raise forms.ValidationError(
                gettext("The form could not be sent. Please leave the last field empty."),
                code="honeypot")
        age = time_trap_age(cleaned.get(TIME_TRAP_FIELD) or "")
        if age is None:
            raise forms.ValidationError(
                gettext("The form has expired. Please check your answers and send it again."),
                code="expired")
        if age < settings.PARLONS_SIGNUP_MIN_SECONDS:
            raise forms.ValidationError(
                gettext("The form was sent too quickly. Please check your answers and send it "
                        "again."), code="too_fast")
        password = cleaned.get("password")
        if password:
            candidate = User(email=cleaned.get("email", ""),
                             display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(forms.Form):
    email = EmailField(label=_("E-mail address"), max_length=254,
                       widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.user = authenticate(self.request, email=cleaned["email"], password=cleaned["password"])
        if self.user is None:
            # One message for an unknown address, a wrong password and an unconfirmed account.
            raise forms.ValidationError(
                gettext("The e-mail address or the password is incorrect, or the address has "
                        "not been confirmed yet."), code="invalid_login")
        return cleaned


class PasswordResetRequestForm(forms.Form):
    email = EmailField(label=_("E-mail address"), max_length=254,
                       widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Public name"), max_length=60,
                                   help_text=_("Shown next to your contributions."))
    language = forms.ChoiceField(label=_("Language"))

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = language_choices(organisation)

    def clean_display_name(self):
        value = clean_display_name(self.cleaned_data.get("display_name", ""))
        if not value:
            raise forms.ValidationError(gettext("Please enter a public name."))
        return value


class DemographicsForm(forms.ModelForm):
    consent = forms.BooleanField(
        label=_("I agree that the organisation keeps these answers to check that participants "
                "reflect the population. They are never shown publicly."),
        error_messages={"required": _("Please tick the box to give your consent, or leave "
                                      "this page without saving.")})

    class Meta:
        model = DemographicProfile
        fields = ["birth_year", "gender", "postal_code", "area", "socio_professional_category"]
        widgets = {"postal_code": forms.TextInput(attrs={"autocomplete": "postal-code",
                                                          "inputmode": "numeric"})}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["postal_code"].validators.append(
            RegexValidator(r"^\d{5}$", _("Enter a postal code of five digits.")))
        area = self.fields["area"]
        area.queryset = organisation.areas.all()
        if not area.queryset.exists():
            del self.fields["area"]
        year = timezone.now().year
        self.fields["birth_year"].widget = forms.NumberInput(attrs={"min": 1900, "max": year})
        self.fields["birth_year"].help_text = _("For example: 1984.")
        self._year = year

    def clean_birth_year(self):
        value = self.cleaned_data.get("birth_year")
        if value is not None and not 1900 <= value <= self._year:
            raise forms.ValidationError(
                gettext("Enter a year between 1900 and %(year)s.") % {"year": self._year})
        return value

    def answers(self) -> dict:
        """The cleaned answers, ready for ``services.save_demographics``."""
        data = {}
        for name in self.Meta.fields:
            if name in self.fields:
                value = self.cleaned_data.get(name)
                data[name] = value if name in ("area", "birth_year") else (value or "")
        return data


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("The password is incorrect."))
        return password
