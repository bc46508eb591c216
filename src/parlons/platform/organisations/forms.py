from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parlons.platform.common.forms import RichTextField
from parlons.platform.organisations.models import Organisation, OrganisationRole
from parlons.platform.organisations.services import check_theme_contrast


class OrganisationSettingsForm(forms.ModelForm):
    enabled_languages = forms.MultipleChoiceField(
        label=_("Enabled languages"), choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple, help_text=_("French is always enabled."))
    legal_notice = RichTextField(label=_("Legal notice"), required=False)
    privacy_policy = RichTextField(label=_("Privacy policy"), required=False)
    terms_of_use = RichTextField(label=_("Terms of use"), required=False)
    accessibility_declaration = RichTextField(label=_("Accessibility declaration"), required=False)
    accessibility_derogations = RichTextField(label=_("Derogations and non-accessible content"),
                                              required=False)
    accessibility_plan = RichTextField(label=_("Multi-year accessibility plan"), required=False)

    class Meta:
        model = Organisation
        fields = ["name", "description", "logo", "logo_alt", "primary_colour", "accent_colour",
                  "enabled_languages", "legal_notice", "privacy_policy", "terms_of_use",
                  "accessibility_status", "accessibility_audit_date",
                  "accessibility_declaration", "accessibility_derogations",
                  "accessibility_plan", "accessibility_contact"]
        widgets = {
            "primary_colour": forms.TextInput(attrs={"type": "color"}),
            "accent_colour": forms.TextInput(attrs={"type": "color"}),
            "accessibility_audit_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_enabled_languages(self):
        languages = list(self.cleaned_data["enabled_languages"])
        if "fr" not in languages:
            languages.insert(0, "fr")
        return languages

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > 1024 * 1024:
            raise ValidationError(_("The logo must weigh less than 1 MB."))
        return logo

    def clean(self):
        cleaned = super().clean()
        primary, accent = cleaned.get("primary_colour"), cleaned.get("accent_colour")
        if primary and accent:
            try:
                check_theme_contrast(primary, accent)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        if cleaned.get("logo") and not cleaned.get("logo_alt"):
            self.add_error("logo_alt", _("Describe the logo for people who cannot see it."))
        return cleaned


class RoleForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"),
                             help_text=_("The person must already have an account."))
    role = forms.ChoiceField(label=_("Role"), choices=OrganisationRole.Role.choices)

    def clean_email(self):
        from parlons.platform.accounts.models import User

        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email, deleted_at__isnull=True).first()
        if user is None:
            raise ValidationError(_("No account uses this e-mail address."))
        self.user = user
        return email


class NamedItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    population = forms.IntegerField(label=_("Population (optional)"), required=False,
                                    min_value=0)
