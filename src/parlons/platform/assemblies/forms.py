"""Forms of the assemblies module (validation only; the services do the work)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.platform.assemblies.models import Assembly, Recipient

MAX_UPLOAD = 5 * 1024 * 1024


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Assembly
        fields = ["panel_size", "algorithm", "quota_tolerance", "registration_open",
                  "data_retention_until"]
        widgets = {"data_retention_until": forms.DateInput(attrs={"type": "date"})}

    def clean_panel_size(self):
        size = self.cleaned_data["panel_size"]
        if not 2 <= size <= 1000:
            raise forms.ValidationError(_("A panel has between 2 and 1,000 seats."))
        return size


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload.read()


class PhoneForm(forms.Form):
    prefixes = forms.CharField(label=_("Phone prefixes (one per line)"),
                               widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                               help_text=_("For example 06 12 or +33 7."))
    count = forms.IntegerField(label=_("How many numbers"), min_value=1, max_value=50_000)
    seed = forms.CharField(label=_("Seed (optional)"), required=False, max_length=200)


class InviteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Among"), choices=Recipient.Kind.choices)
    count = forms.IntegerField(label=_("How many invitations"), min_value=1, max_value=50_000)
    seed = forms.CharField(label=_("Seed (optional, recorded)"), required=False, max_length=200)


class SeedForm(forms.Form):
    seed = forms.CharField(
        label=_("Seed of the draw"), required=False, max_length=200,
        help_text=_("Published in advance or taken from a public event (for example the "
                    "numbers of a lottery draw). Empty: a random seed is generated and "
                    "recorded."))


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class RegistrationForm(forms.Form):
    """The code, the contact and one question per criterion of the assembly."""

    code = forms.CharField(label=_("Code printed on the letter"), max_length=30,
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(label=_("E-mail"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel"}))

    def __init__(self, *args, assembly: Assembly, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = []
        for feature in assembly.features.prefetch_related("values"):
            name = f"q{feature.pk}"
            self.fields[name] = forms.ChoiceField(
                label=feature.name, widget=forms.RadioSelect,
                choices=[(v.value, v.value) for v in feature.values.all()])
            self.questions.append((name, feature.name))
        self.fields["consent"] = forms.BooleanField(
            label=_("I agree that my answers are used to draw the assembly and that my "
                    "contact details are kept by the organisers until the date shown above."))

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(_("Give an e-mail address or a phone number."))
        return data

    def answers(self) -> dict[str, str]:
        return {feature: self.cleaned_data[name] for name, feature in self.questions}

    def contact(self) -> dict[str, str]:
        return {f: self.cleaned_data.get(f, "") for f in
                ("first_name", "last_name", "email", "phone")}
