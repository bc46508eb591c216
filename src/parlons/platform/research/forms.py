from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parlons.platform.organisations.models import hex_colour
from parlons.platform.research.models import Code, ResearchMembership


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class MemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"),
                             help_text=_("The person must already have an account."))
    role = forms.ChoiceField(label=_("Role"), choices=ResearchMembership.Role.choices)

    def clean_email(self):
        from parlons.platform.accounts.models import User

        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email, deleted_at__isnull=True).first()
        if user is None:
            raise ValidationError(_("No account uses this e-mail address."))
        self.user = user
        return email


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class TranscriptsForm(forms.Form):
    files = MultipleFileField(
        label=_("Transcripts"),
        help_text=_("One or more files: .txt, .md, .docx, .odt, .srt or .vtt. Speaker turns "
                    "(“Name : text”, “[hh:mm:ss] Name : text”) are detected."))


class RefiForm(forms.Form):
    file = forms.FileField(label=_("REFI-QDA project or codebook (.qdpx, .qdc)"),
                           help_text=_("Exported by NVivo, ATLAS.ti, MAXQDA, QualCoder or "
                                       "Parlons."))


class CasesForm(forms.Form):
    file = forms.FileField(label=_("Cases (.csv)"),
                           help_text=_("One row per case; first column: its identifier "
                                       "(E01…); a “fichier” or “file” column names its "
                                       "transcript; the other columns become attributes."))
    name_column = forms.CharField(label=_("Column of the case's name (optional)"),
                                  required=False, max_length=120)


class CodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    parent = forms.ModelChoiceField(label=_("Parent code"), queryset=Code.objects.none(),
                                    required=False)
    colour = forms.CharField(label=_("Colour"), required=False, validators=[hex_colour],
                             widget=forms.TextInput(attrs={"type": "color"}), initial="#3f7fbf")
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    is_codable = forms.BooleanField(label=_("Codable (untick for a group of codes)"),
                                    required=False, initial=True)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Code.objects.filter(project=project)


class CodingForm(forms.Form):
    """Code a passage: by code-point offsets, or by choosing a speaker turn or paragraph."""

    code = forms.ModelChoiceField(label=_("Code"), queryset=Code.objects.none())
    passage = forms.ChoiceField(label=_("Passage (speaker turn or paragraph)"), required=False)
    start = forms.IntegerField(label=_("Start (character)"), required=False, min_value=0)
    end = forms.IntegerField(label=_("End (character, excluded)"), required=False, min_value=1)
    digest = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, project, passages, paths=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.queryset = Code.objects.filter(project=project, is_codable=True)
        if paths:
            field.label_from_instance = lambda code: paths.get(code.pk, code.name)
        self.fields["passage"].choices = [("", _("— or give the offsets below —"))] + passages

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            if not cleaned.get("passage"):
                raise ValidationError(_("Select text, choose a passage or give the offsets."))
            start, end = (int(x) for x in cleaned["passage"].split("-"))
        if end <= start:
            raise ValidationError(_("The end must come after the start."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


class MemoForm(forms.Form):
    attach = forms.ChoiceField(label=_("Attached to"))
    title = forms.CharField(label=_("Title (optional)"), required=False, max_length=200)
    text = forms.CharField(label=_("Memo"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attach"].choices = targets


class CaseValueForm(forms.Form):
    case = forms.ChoiceField(label=_("Case"))
    variable = forms.ChoiceField(label=_("Attribute"))
    value = forms.CharField(label=_("Value (empty to remove it)"), required=False,
                            max_length=500)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [(c.pk, c.name) for c in project.cases.all()]
        self.fields["variable"].choices = [(v.pk, v.name) for v in project.variables.all()]


class DeleteCodeForm(forms.Form):
    """The explicit choice for the sub-codes of a code being deleted (no default)."""

    children = forms.ChoiceField(
        label=_("Its sub-codes"), widget=forms.RadioSelect,
        choices=[("lift", _("Keep them: move them up one level, with their codings")),
                 ("delete", _("Delete them too, with all their codings and memos"))],
        error_messages={"required": _("Choose what happens to the sub-codes.")})


class SetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    codes = forms.MultipleChoiceField(label=_("Codes"), required=False,
                                      widget=forms.CheckboxSelectMultiple)
    sources = forms.MultipleChoiceField(label=_("Sources"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, codes, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = codes
        self.fields["sources"].choices = sources


class LinkForm(forms.Form):
    origin = forms.ChoiceField(label=_("From"))
    target = forms.ChoiceField(label=_("To"))
    name = forms.CharField(label=_("Relation (e.g. “causes”, “contradicts”)"), required=False,
                           max_length=200)
    direction = forms.ChoiceField(label=_("Direction"), choices=[
        ("Associative", _("associated (no direction)")), ("OneWay", _("from → to")),
        ("Bidirectional", _("both ways"))])
    colour = forms.CharField(label=_("Colour"), required=False, validators=[hex_colour],
                             widget=forms.TextInput(attrs={"type": "color"}), initial="#5a5a5a")

    def __init__(self, *args, objects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["origin"].choices = objects
        self.fields["target"].choices = objects


class PseudonymForm(forms.Form):
    replacements = forms.CharField(
        label=_("Names and their pseudonyms"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One per line: “name ; pseudonym” (for example “Nadia ; Inès” or "
                    "“rue des Lilas ; rue A”). Whole words only, longest names first, the same "
                    "pseudonym everywhere."))
    confirm = forms.BooleanField(
        label=_("I have checked the preview: replace these names in every source, memo and "
                "case now"), required=False)
