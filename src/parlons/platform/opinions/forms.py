from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.platform.opinions.services import MAX_STATEMENT_LENGTH


class StatementForm(forms.Form):
    text = forms.CharField(label=_("Your statement"), max_length=MAX_STATEMENT_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("One short idea others can agree or disagree with. "
                                       "It will be shown after moderation."))


class SeedForm(forms.Form):
    text = forms.CharField(label=_("New statement"), max_length=MAX_STATEMENT_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}))
    is_meta = forms.BooleanField(label=_("Meta statement (about the conversation itself)"),
                                 required=False)


class SettingsForm(forms.Form):
    anonymous = forms.BooleanField(label=_("Allow participation without an account"),
                                   required=False)
    submissions = forms.BooleanField(label=_("Participants may submit statements"),
                                     required=False)
    qualifications = forms.BooleanField(
        label=_("Offer qualifications (favourite, realistic, unfeasible)"), required=False)
    results_public = forms.BooleanField(label=_("Results visible to everyone"), required=False)
    recompute_every = forms.IntegerField(label=_("Recompute the map every N new votes"),
                                         min_value=1, max_value=100000)
