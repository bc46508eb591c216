from django import forms
from django.utils.translation import gettext_lazy as _

from parlons.platform.common.forms import RichTextField


class PageForm(forms.Form):
    body = RichTextField(label=_("Text"), required=False,
                         help_text=_("HTML is allowed: paragraphs, headings, lists, links, tables."))
