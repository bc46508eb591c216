from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from parlons.platform.common.forms import RichTextField
from parlons.platform.organisations.models import Area, Theme
from parlons.platform.spaces import registry
from parlons.platform.spaces.models import Phase, Space, SpaceRole

MAX_IMAGE_BYTES = 3 * 1024 * 1024


class SpaceForm(forms.ModelForm):
    description = RichTextField(label=_("Description"), required=False,
                                help_text=_("HTML is allowed: paragraphs, headings, lists, links."))
    themes = forms.ModelMultipleChoiceField(label=_("Themes"), queryset=Theme.objects.none(),
                                            required=False, widget=forms.CheckboxSelectMultiple)
    areas = forms.ModelMultipleChoiceField(label=_("Areas"), queryset=Area.objects.none(),
                                           required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Space
        fields = ["kind", "title", "slug", "summary", "description", "image", "image_alt",
                  "themes", "areas", "visibility", "is_published", "start_date", "end_date"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"slug": _("Part of the address; leave empty to build it from the title.")}

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["themes"].queryset = Theme.objects.filter(organisation=organisation)
        self.fields["areas"].queryset = Area.objects.filter(organisation=organisation)
        if self.instance.pk:
            self.fields["kind"].disabled = True

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "size") and image.size > MAX_IMAGE_BYTES:
            raise ValidationError(_("The image must weigh less than 3 MB."))
        return image

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be on or after the start date."))
        if cleaned.get("image") and not cleaned.get("image_alt"):
            self.add_error("image_alt", _("Describe the image for people who cannot see it."))
        return cleaned

    def _post_clean(self):
        # Uniqueness of the slug is handled by the service (it makes the slug unique).
        pass


class PhaseForm(forms.ModelForm):
    description = RichTextField(label=_("Description"), required=False)

    class Meta:
        model = Phase
        fields = ["title", "start_date", "end_date", "description", "call_to_action"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date must be on or after the start date."))
        return cleaned

    def _post_clean(self):
        pass


class ComponentCreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"))
    title = forms.CharField(label=_("Title"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = registry.choices()


class ComponentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=1000)
    is_published = forms.BooleanField(label=_("Published"), required=False)

    def __init__(self, *args, component, phases, **kwargs):
        super().__init__(*args, **kwargs)
        component_type = registry.get(component.kind)
        action_choices = list(component_type.actions.items()) if component_type else []
        self.phase_fields = []
        if not action_choices:
            return
        steps = {s.phase_id: s.actions for s in component.steps.all()}
        if component.space.has_phases:
            for phase in phases:
                name = f"actions_{phase.pk}"
                self.fields[name] = forms.MultipleChoiceField(
                    label=_("What participants may do during “%(phase)s”") % {"phase": phase.title},
                    choices=action_choices, required=False, widget=forms.CheckboxSelectMultiple,
                    initial=steps.get(phase.pk, []))
                self.phase_fields.append((phase, name))
        else:
            self.fields["actions_default"] = forms.MultipleChoiceField(
                label=_("What participants may do"), choices=action_choices, required=False,
                widget=forms.CheckboxSelectMultiple, initial=component.default_actions)
            self.phase_fields.append((None, "actions_default"))


class SpaceRoleForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the person"),
                             help_text=_("The person must already have an account."))
    role = forms.ChoiceField(label=_("Role"), choices=SpaceRole.Role.choices)
    title = forms.CharField(label=_("Title in the body (optional)"), max_length=120,
                            required=False)
    term_start = forms.DateField(label=_("Start of term (optional)"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    term_end = forms.DateField(label=_("End of term (optional)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def clean_email(self):
        from parlons.platform.accounts.models import User

        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email, deleted_at__isnull=True).first()
        if user is None:
            raise ValidationError(_("No account uses this e-mail address."))
        self.user = user
        return email

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("term_start"), cleaned.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", _("A term must end after it starts."))
        return cleaned


class ForcePhaseForm(forms.Form):
    phase = forms.ModelChoiceField(label=_("Current phase"), queryset=Phase.objects.none(),
                                   required=False,
                                   empty_label=_("Automatic (from the phases' dates)"))

    def __init__(self, *args, space, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = space.phases.all()
