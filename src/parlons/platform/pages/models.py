from django.db import models
from django.utils.translation import gettext_lazy as _


class PageContent(models.Model):
    """The text of a "page" component (sanitised HTML)."""

    component = models.OneToOneField("spaces.Component", on_delete=models.CASCADE,
                                     related_name="page_content")
    body = models.TextField(_("text"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("page text")
        verbose_name_plural = _("page texts")

    def __str__(self) -> str:
        return f"{self.component}"
