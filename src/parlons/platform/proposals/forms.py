from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from parlons.platform.common.forms import RichTextField
from parlons.platform.organisations.models import Area, Theme
from parlons.platform.proposals.models import Answer, Channel, Comment, NotificationSettings, Report


class CoordinateField(forms.CharField):
    """Decimal degrees, with a point or a comma, within ``±limit``; rounded to 6 places
    (about 10 cm), the precision stored."""

    def __init__(self, *, limit: int, example: str, **kwargs):
        self.limit, self.example = limit, example
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return super().widget_attrs(widget) | {"inputmode": "decimal", "autocomplete": "off",
                                               "maxlength": "40"}

    def to_python(self, value):
        text = super().to_python(value).replace(",", ".").replace(" ", "")
        if not text:
            return None
        number = None
        if len(text) <= 40:
            try:
                number = Decimal(text)
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite() or abs(number) > self.limit:
            raise forms.ValidationError(
                _("Enter a number between -%(limit)d and %(limit)d, in decimal degrees "
                  "(e.g. %(example)s)."), code="invalid",
                params={"limit": self.limit, "example": self.example})
        return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), min_length=5, max_length=150)
    body = RichTextField(label=_("Description"), min_length=15, max_length=20000,
                         help_text=_("What do you propose, where, and why?"))
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.none(),
                                   required=False)
    area = forms.ModelChoiceField(label=_("Neighbourhood"), queryset=Area.objects.none(),
                                  required=False)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    latitude = CoordinateField(label=_("Latitude"), required=False, limit=90, example="48.8566",
                               help_text=_("Optional map point, in decimal degrees. With "
                                           "JavaScript, a click on the map below fills it."))
    longitude = CoordinateField(label=_("Longitude"), required=False, limit=180,
                                example="2.3522")
    attachment = forms.FileField(label=_("Attachment (image or PDF, 5 MB at most)"),
                                 required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(organisation=organisation)
        self.fields["area"].queryset = Area.objects.filter(organisation=organisation)

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Give both the latitude and the longitude, or "
                                          "neither."))
        return data


class AgentProposalForm(ProposalForm):
    citizen_email = forms.EmailField(label=_("E-mail of the citizen's account"))
    channel = forms.ChoiceField(label=_("Channel"), choices=[
        c for c in Channel.choices if c[0] != Channel.ONLINE])

    def clean_citizen_email(self):
        email = self.cleaned_data["citizen_email"].strip().lower()
        user = get_user_model().objects.filter(email=email, is_active=True,
                                               deleted_at__isnull=True).first()
        if user is None:
            raise forms.ValidationError(_("No account has this e-mail address."))
        self.citizen = user
        return email


class CommentEditForm(forms.Form):
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}),
                           min_length=2, max_length=5000)


class CommentForm(CommentEditForm):
    alignment = forms.TypedChoiceField(label=_("Your position"), coerce=int,
                                       choices=Comment.Alignment.choices, initial=0)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Report.Reason.choices)
    details = forms.CharField(label=_("Details (optional)"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason (shown to the author)"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=Answer.State.choices)
    custom_state = forms.ModelChoiceField(label=_("State of the process"), required=False,
                                          queryset=None)
    text = RichTextField(label=_("Answer"), required=False)
    cost = forms.DecimalField(label=_("Cost (euros)"), required=False, min_value=0,
                              max_digits=12, decimal_places=2)
    publish = forms.BooleanField(label=_("Publish the answer now"), required=False)

    def __init__(self, *args, space, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custom_state"].queryset = space.answer_states.all()


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Private note (staff only)"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    evaluator_email = forms.EmailField(label=_("E-mail of the evaluator"))


class ComponentSettingsForm(forms.Form):
    support_limit = forms.IntegerField(label=_("Supports per person (0: no limit)"),
                                       min_value=0, initial=0)
    support_minimum = forms.IntegerField(
        label=_("Minimum supports per person before they count (0: none)"), min_value=0,
        initial=0)
    support_threshold = forms.IntegerField(label=_("Supports a proposal needs (0: none)"),
                                           min_value=0, initial=0)
    threshold_caps_supports = forms.BooleanField(
        label=_("Stop accepting supports once the threshold is reached"), required=False)
    report_threshold = forms.IntegerField(
        label=_("Reports before a contribution is hidden automatically (0: never)"),
        min_value=0, initial=3)
    premoderation = forms.BooleanField(
        label=_("Pre-moderation: contributions are public once approved"), required=False)
    edit_window_minutes = forms.IntegerField(label=_("Minutes to edit a published proposal"),
                                             min_value=0, initial=30)
    comment_edit_window_minutes = forms.IntegerField(
        label=_("Minutes to edit a comment"), min_value=0, max_value=10080, initial=15)
    max_attachments = forms.IntegerField(label=_("Attachments per proposal"), min_value=0,
                                         max_value=10, initial=3)


class CustomStateForm(forms.Form):
    name = forms.CharField(label=_("New answer state for this process"), max_length=80)


class NotificationSettingsForm(forms.Form):
    email_frequency = forms.ChoiceField(label=_("E-mail notifications"),
                                        choices=NotificationSettings.Frequency.choices)
