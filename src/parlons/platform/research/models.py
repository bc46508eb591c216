"""Qualitative research projects: sources, cases, codes, codings and memos.

A project is private to its members. Texts never change once imported; offsets are Unicode code
points over ``[start, end)`` as in REFI-QDA (see ``parlons.core.qda.model``). A coding is one
row, inserted and never updated, so that concurrent coders cannot overwrite each other.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

VARIABLE_TYPES = [("Text", _("text")), ("Boolean", _("yes/no")), ("Integer", _("integer")),
                  ("Float", _("decimal number")), ("Date", _("date")),
                  ("DateTime", _("date and time"))]


class ResearchProject(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE,
                                     related_name="research_projects")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # REFI-QDA sets and links, kept as read so that an export gives them back
    refi_extras = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["-created_at", "pk"]

    def __str__(self) -> str:
        return self.title


class ResearchMembership(models.Model):
    class Role(models.TextChoices):
        RESEARCHER = "researcher", _("researcher")
        COCODER = "cocoder", _("co-coder")
        READER = "reader", _("reader")

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE,
                                related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="research_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("research project member")
        verbose_name_plural = _("research project members")
        constraints = [models.UniqueConstraint(fields=["project", "user"],
                                               name="unique_research_membership")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class Coder(models.Model):
    """A person who codes: a member of the platform, or a coder named in an imported project."""

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="coders")
    guid = models.CharField(max_length=36)
    name = models.CharField(_("name"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="unique_coder_guid"),
            models.UniqueConstraint(fields=["project", "user"], name="unique_coder_user"),
        ]

    def __str__(self) -> str:
        return self.name


class Source(models.Model):
    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="sources")
    guid = models.CharField(max_length=36)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    text = models.TextField(_("text"))
    turns = models.JSONField(default=list, blank=True)  # [[speaker, start, end, time], ...]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "guid"],
                                               name="unique_source_guid")]

    def __str__(self) -> str:
        return self.name


class Variable(models.Model):
    """A case attribute (REFI variable) with its type."""

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE,
                                related_name="variables")
    guid = models.CharField(max_length=36)
    name = models.CharField(_("name"), max_length=120)
    type = models.CharField(_("type"), max_length=10, choices=VARIABLE_TYPES, default="Text")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["project", "name"],
                                               name="unique_variable_name")]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """Usually one interviewee, linked to the sources of their interviews."""

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="cases")
    guid = models.CharField(max_length=36)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="cases")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "guid"],
                                               name="unique_case_guid")]

    def __str__(self) -> str:
        return self.name


class CaseValue(models.Model):
    """The value of one attribute for one case, stored in REFI's text form."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="values")
    variable = models.ForeignKey(Variable, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(_("value"), max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "variable"],
                                               name="unique_case_value")]

    def __str__(self) -> str:
        return f"{self.variable}: {self.value}"


class Code(models.Model):
    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="codes")
    guid = models.CharField(max_length=36)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children", verbose_name=_("parent code"))
    name = models.CharField(_("name"), max_length=200)
    colour = models.CharField(_("colour"), max_length=7, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_codable = models.BooleanField(_("codable"), default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("code")
        verbose_name_plural = _("codes")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "guid"],
                                               name="unique_code_guid")]

    def __str__(self) -> str:
        return self.name


class CodedSelection(models.Model):
    """One coding of ``[start, end)`` of a source with one code, by one coder (insert-only).

    Rows of the same coder on the same span share ``selection_guid`` (one REFI selection)."""

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE,
                                related_name="codings")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(Coder, on_delete=models.CASCADE, related_name="codings")
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    selection_guid = models.CharField(max_length=36)
    guid = models.CharField(max_length=36)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coded passage")
        verbose_name_plural = _("coded passages")
        ordering = ["source_id", "start", "end", "pk"]
        indexes = [models.Index(fields=["source", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                   name="coding_not_empty"),
            models.UniqueConstraint(fields=["source", "start", "end", "code", "coder"],
                                    name="unique_coding"),
        ]

    def __str__(self) -> str:
        return f"{self.source} [{self.start}–{self.end}) {self.code}"


class Memo(models.Model):
    """A memo on the project, a source, a coded passage, a code or a case."""

    class Target(models.TextChoices):
        PROJECT = "project", _("the project")
        SOURCE = "source", _("a source")
        SELECTION = "selection", _("a coded passage")
        CODE = "code", _("a code")
        CASE = "case", _("a case")

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="memos")
    guid = models.CharField(max_length=36)
    title = models.CharField(_("title"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    target = models.CharField(_("attached to"), max_length=10, choices=Target.choices,
                              default=Target.PROJECT)
    source = models.ForeignKey(Source, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="memos")
    selection = models.ForeignKey(CodedSelection, on_delete=models.CASCADE, null=True,
                                  blank=True, related_name="memos")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="memos")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="memos")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    author_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("memo")
        verbose_name_plural = _("memos")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title or self.text[:40]


class PseudonymKey(models.Model):
    """The mapping of one pseudonymisation: the replacements and the core's key (replaced spans
    and original values). Only researchers of the project see it; deleting it makes the
    pseudonymisation irreversible."""

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE,
                                related_name="pseudonym_keys")
    replacements = models.JSONField(default=list)  # [[original, pseudonym], ...]
    key = models.JSONField(default=dict)
    occurrences = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pseudonymisation key")
        verbose_name_plural = _("pseudonymisation keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} — {self.created_at:%Y-%m-%d}"


class ImportJob(models.Model):
    """A REFI-QDA or transcript import run by a Celery task, with its progress."""

    class Kind(models.TextChoices):
        REFI = "refi", _("REFI-QDA project or codebook")
        TRANSCRIPTS = "transcripts", _("transcripts")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("import status", "waiting")
        RUNNING = "running", pgettext_lazy("import status", "in progress")
        DONE = "done", pgettext_lazy("import status", "done")
        FAILED = "failed", pgettext_lazy("import status", "failed")

    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE,
                                related_name="import_jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    step = models.CharField(max_length=200, blank=True)
    filenames = models.JSONField(default=list)
    payload = models.BinaryField(blank=True, default=b"")  # the uploaded files (zip); emptied
    language = models.CharField(max_length=10, default="fr")
    counts = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
