"""Form helpers shared by the apps."""

from __future__ import annotations

from django import forms

from parlons.platform.common.html import sanitize_html


class RichTextField(forms.CharField):
    """A text area whose HTML is sanitised by the allow-list of ``common.html``."""

    widget = forms.Textarea

    def clean(self, value):
        return sanitize_html(super().clean(value))
