from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.platform.budgets.models import Budget, BudgetProject, Review
from parlons.platform.budgets.services import ELIGIBILITY_RULES
from parlons.platform.common.forms import RichTextField
from parlons.platform.organisations.models import Area


class BudgetForm(forms.ModelForm):
    class Meta:
        model = Budget
        fields = ["title", "area", "amount", "ballot_type", "min_share", "min_projects",
                  "max_projects", "points", "counting_rule", "show_comparison", "secret_ballot",
                  "position"]

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(organisation=organisation)
        self.fields["amount"].min_value = 1
        self.fields["amount"].widget.attrs["min"] = 1


class ComponentRulesForm(forms.Form):
    eligibility = forms.ChoiceField(
        label=_("Who may vote where"),
        choices=[(ELIGIBILITY_RULES[0], _("own neighbourhood and city-wide budgets")),
                 (ELIGIBILITY_RULES[1], _("any one budget"))])
    minimum_age = forms.IntegerField(label=_("Minimum age"), min_value=0, max_value=120)
    census = forms.BooleanField(
        label=_("Check voters against the uploaded census or electoral list"), required=False)
    voting_codes = forms.BooleanField(
        label=_("Accept one-time voting codes (vote without an account: letters, desk)"),
        required=False)
    code_email = forms.BooleanField(
        label=_("Send voting codes by e-mail to people who ask for one"), required=False)
    code_sms = forms.BooleanField(
        label=_("Send voting codes by SMS to people who ask for one (SMS gateway)"),
        required=False)


class ProjectForm(forms.Form):
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=Budget.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = RichTextField(label=_("Description"),
                                help_text=_("What, where, for whom. Example: “Plant ten fruit "
                                            "trees in the Tilleuls park, with a bench.”"))
    estimated_cost = forms.IntegerField(label=_("Estimated cost (€)"), min_value=1,
                                        help_text=_("An investment: equipment, works, "
                                                    "planting — not staff or running costs."))
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    area = forms.ModelChoiceField(label=_("Neighbourhood"), queryset=Area.objects.none(),
                                  required=False)
    coauthors = forms.CharField(label=_("Co-authors' e-mail addresses"), required=False,
                                help_text=_("Separated by commas; they must have an account."))
    on_behalf_of = forms.EmailField(label=_("E-mail of the citizen you enter it for"),
                                    required=False)

    def __init__(self, *args, component=None, agent=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["budget"].queryset = Budget.objects.filter(component=component)
        self.fields["area"].queryset = Area.objects.filter(
            organisation=component.space.organisation)
        if not agent:
            del self.fields["on_behalf_of"]


class EligibilityForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), help_text=_("Format: 2001-12-31"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(label=_("Neighbourhood where you live"),
                                  queryset=Area.objects.none())
    honest = forms.BooleanField(label=_("I declare on my honour that this is true."))
    person = forms.EmailField(label=_("E-mail of the citizen (agents only)"), required=False)

    def __init__(self, *args, organisation=None, agent=False, census=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(organisation=organisation)
        if not agent:
            del self.fields["person"]
        if census:  # names as on the electoral list; the neighbourhood is the list's
            self.fields["first_name"].required = self.fields["last_name"].required = True
            del self.fields["area"]
        else:
            del self.fields["first_name"], self.fields["last_name"]


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["city_competence", "investment", "public_land", "legal", "reviewed_cost",
                  "decision", "public_reason", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            c for c in Review.Decision.choices if c[0] != Review.Decision.MERGED]


class ReceiptForm(forms.Form):
    code = forms.CharField(label=_("Receipt code"), max_length=40,
                           help_text=_("The code shown after your vote, e.g. ABCD-EFGH-JKLM-NPQR"))


def parse_projects(raw: str) -> dict[str, int]:
    """"12, 15" or, for points, "12:3, 15:2" → {project id: points}."""
    out: dict[str, int] = {}
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        pid, _sep, points = part.partition(":")
        try:
            out[str(int(pid))] = int(points) if points else 1
        except ValueError as error:
            raise forms.ValidationError(_("Write project numbers separated by commas."))\
                from error
    return out


class IdentityForm(forms.Form):
    """Who is voting: the e-mail of an account, or names and date of birth, with the
    neighbourhood unless the city's electoral list gives it. ``labels``: field labels of a
    subclass (whose wording names the person differently)."""

    labels: dict = {}
    email = forms.EmailField(label=_("E-mail of the person's account"), required=False)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False,
                                 help_text=_("Format: 2001-12-31"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(label=_("Neighbourhood where the person lives"),
                                  queryset=Area.objects.none(), required=False)

    def __init__(self, *args, component=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            self.fields[name].label = label
        self.census = bool((component.settings or {}).get("census"))
        if self.census:
            del self.fields["area"]  # the list gives it
        else:
            self.fields["area"].queryset = Area.objects.filter(
                organisation=component.space.organisation)

    def check_identity(self, data: dict, message, *, with_area: bool = False) -> dict:
        """``data`` if it names the person: an e-mail, or the names and date of birth (and,
        ``with_area``, the neighbourhood); else ``message``, an error of the whole form."""
        needed = ["first_name", "last_name", "birth_date"] + (["area"] if with_area else [])
        if not data.get("email") and not all(data.get(name) for name in needed):
            raise forms.ValidationError(message)
        return data


class PaperForm(IdentityForm):
    """A paper sheet: the voter is identified by names and date of birth (matched to the
    electoral list when the city uses one; otherwise with the neighbourhood checked by the
    agent), or, without the list, by the e-mail of their account."""

    field_order = ["budget", "station", "number", "email", "first_name", "last_name",
                   "birth_date", "area", "projects"]
    labels = {"email": _("E-mail of the voter's account"), "first_name": _("Voter's first name"),
              "last_name": _("Voter's last name"), "birth_date": _("Voter's date of birth"),
              "area": _("Neighbourhood where the voter lives")}
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=Budget.objects.none())
    station = forms.CharField(label=_("Polling station"), max_length=120)
    number = forms.IntegerField(label=_("Sheet number"), min_value=1)
    projects = forms.CharField(label=_("Numbers of the projects ticked"),
                               help_text=_("Separated by commas; for points: 12:3, 15:2"))

    def __init__(self, *args, component=None, **kwargs):
        super().__init__(*args, component=component, **kwargs)
        self.fields["budget"].queryset = Budget.objects.filter(component=component)
        if self.census:  # the list identifies the person
            del self.fields["email"]
            for name in ("first_name", "last_name", "birth_date"):
                self.fields[name].required = True
        else:
            self.fields["email"].help_text = _("Or fill in the names and date of birth below.")

    def clean_projects(self):
        return parse_projects(self.cleaned_data["projects"])

    def clean(self):
        data = super().clean()
        if self.census:  # required names and date of birth: the list gives the neighbourhood
            return data
        return self.check_identity(data, _("Give the voter's account e-mail, or their names, "
                                           "date of birth and neighbourhood."), with_area=True)


class WorksForm(forms.Form):
    works_status = forms.ChoiceField(label=_("Works"), choices=BudgetProject.Works.choices,
                                     required=False)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)


class MilestoneForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), max_length=200)
    text = RichTextField(label=_("Text"), required=False)


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=BudgetProject.objects.none())
    agreement = forms.CharField(label=_("Authors' agreement (how and when it was given)"),
                                widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, budget=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = BudgetProject.objects.filter(budget=budget)


class CensusForm(forms.Form):
    file = forms.FileField(label=_("Census or electoral list (CSV)"),
                           help_text=_("Columns: nom, prénom, date de naissance, quartier, "
                                       "adresse (optional); separated by commas or "
                                       "semicolons; dates as 31/12/2001 or 2001-12-31."))


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Your voting code"), max_length=40,
                           help_text=_("The code printed on your letter or given at the desk, "
                                       "e.g. ABCD-EFGH-JKLM-NPQR"),
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))


class PersonForm(IdentityForm):
    """A person met by an agent: an account's e-mail, or names and date of birth."""

    checked = forms.BooleanField(label=_("I checked the person's identity, age and "
                                         "address."))

    def __init__(self, *args, component=None, with_email=True, **kwargs):
        super().__init__(*args, component=component, **kwargs)
        if not with_email:
            del self.fields["email"]

    def clean(self):
        # the neighbourhood, when the list does not give it, is checked by the service (its
        # own message), as it is needed only without an account
        return self.check_identity(super().clean(), _("Give the person's e-mail, or their "
                                                      "names and date of birth."))


class AgentVoteForm(PersonForm):
    budget = forms.ModelChoiceField(label=_("Budget"), queryset=Budget.objects.none())
    station = forms.CharField(label=_("Desk or phone line"), max_length=120, required=False)
    projects = forms.CharField(label=_("Numbers of the projects chosen"),
                               help_text=_("Separated by commas; for points: 12:3, 15:2"))

    def __init__(self, *args, component=None, **kwargs):
        super().__init__(*args, component=component, **kwargs)
        self.fields["budget"].queryset = Budget.objects.filter(component=component)

    def clean_projects(self):
        return parse_projects(self.cleaned_data["projects"])


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo (JPEG, PNG, WebP or GIF, 5 MB at most)"))
    alt_text = forms.CharField(label=_("Describe the photo for people who cannot see it"),
                               max_length=250)


class CodeRequestForm(forms.Form):
    """Ask for a voting code by e-mail or SMS (public page, no account)."""

    destination = forms.CharField(max_length=254,
                                  widget=forms.TextInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_date = forms.DateField(label=_("Date of birth"), help_text=_("Format: 2001-12-31"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ModelChoiceField(label=_("Neighbourhood where you live"),
                                  queryset=Area.objects.none())
    honest = forms.BooleanField(label=_("I declare on my honour that this is true."))

    def __init__(self, *args, component=None, media=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["destination"]
        if set(media) == {"email", "sms"}:
            field.label = _("Your e-mail address or mobile number")
            field.help_text = _("E.g. prenom.nom@example.org or 06 12 34 56 78")
        elif "sms" in media:
            field.label = _("Your mobile number")
            field.help_text = _("E.g. 06 12 34 56 78 or +33 6 12 34 56 78")
            field.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
        else:
            field.label = _("Your e-mail address")
            field.help_text = _("E.g. prenom.nom@example.org")
        if (component.settings or {}).get("census"):  # names as on the electoral list
            del self.fields["area"], self.fields["honest"]
            self.fields["first_name"].help_text = _("As on the electoral list.")
        else:  # the destination is the voter: names are not needed
            del self.fields["first_name"], self.fields["last_name"]
            self.fields["area"].queryset = Area.objects.filter(
                organisation=component.space.organisation)
