"""Views of the research workspace. Every object is looked up inside the current organisation
and project (404 otherwise); content is for members only (403 for organisation admins who are not
members, 404 for everyone else, so that a project's existence does not leak)."""

from __future__ import annotations

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from parlons.core.qda import agreement as qda_agreement
from parlons.core.qda import exports as qda_exports
from parlons.core.qda import queries as qda_queries
from parlons.core.qda.refi import RefiError, write_qdpx
from parlons.platform.common.colours import contrast_ratio
from parlons.platform.research import convert, forms, rules, selectors, services
from parlons.platform.research.models import (
    Case,
    Code,
    CodedSelection,
    Coder,
    ImportJob,
    Memo,
    PseudonymKey,
    ResearchMembership,
    ResearchProject,
)


def _apply_errors(form, error: ValidationError) -> None:
    form.add_error(None, error.messages)


def project_view(rule=rules.can_read_project):
    """Log in, find the project in this organisation, then check ``rule``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, pk, *args, **kwargs):
            project = selectors.get_project(request.organisation, pk)
            if not rules.can_see_project_exists(request.user, project):
                raise Http404
            if not rule(request.user, project):
                raise PermissionDenied
            return view(request, project, *args, **kwargs)

        return wrapper

    return decorator


def _context(request, project: ResearchProject, **extra) -> dict:
    user = request.user
    return {"project": project, "role": rules.role_in(user, project),
            "can_manage": rules.can_manage_project(user, project),
            "can_code": rules.can_code(user, project),
            "can_manage_members": rules.can_manage_members(user, project), **extra}


@require_GET
@login_required
def project_list(request):
    org = request.organisation
    projects = list(selectors.projects_for(request.user, org))
    for project in projects:
        project.my_role = rules.role_in(request.user, project)
    return render(request, "research/project_list.html", {
        "projects": projects, "can_create": rules.can_create_project(request.user, org)})


@login_required
def project_create(request):
    org = request.organisation
    if not rules.can_create_project(request.user, org):
        raise PermissionDenied
    form = forms.ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        project = services.create_project(actor=request.user, organisation=org,
                                          **form.cleaned_data)
        messages.success(request, _("The project was created. Now import its sources."))
        return redirect("research:import", project.pk)
    return render(request, "research/project_form.html", {"form": form})


def _memo_targets(project, *, sources=(), selections=(), codes=(), cases=(), with_project=True):
    targets = [("project:0", _("the project"))] if with_project else []
    targets += [(f"source:{s.pk}", _("source “%(name)s”") % {"name": s.name}) for s in sources]
    targets += [(f"selection:{c.pk}", _("passage %(start)s–%(end)s (%(code)s)")
                 % {"start": c.start, "end": c.end, "code": c.code.name}) for c in selections]
    targets += [(f"code:{c.pk}", _("code “%(name)s”") % {"name": c.name}) for c in codes]
    targets += [(f"case:{c.pk}", _("case “%(name)s”") % {"name": c.name}) for c in cases]
    return targets


@require_GET
@project_view()
def project_detail(request, project):
    memos = Memo.objects.filter(project=project).select_related("source", "code", "case",
                                                                  "selection")
    sources = list(project.sources.all())
    counts = {row["source_id"]: row["n"] for row in
              CodedSelection.objects.filter(project=project).values("source_id")
              .annotate(n=Count("pk"))}
    for source in sources:
        source.n_codings = counts.get(source.pk, 0)
    memo_form = forms.MemoForm(targets=_memo_targets(project))
    return render(request, "research/project_detail.html", _context(
        request, project, sources=sources, memos=memos, tree=selectors.code_tree(project),
        memo_form=memo_form, can_memo=rules.can_write_memo(request.user, project)))


@project_view(rules.can_see_project_exists)
def members(request, project):
    can_edit = rules.can_manage_members(request.user, project)
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.set_member(actor=request.user, project=project, user=form.user,
                                    role=form.cleaned_data["role"])
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The member was saved."))
                return redirect("research:members", project.pk)
    memberships = ResearchMembership.objects.filter(project=project).select_related("user")
    return render(request, "research/members.html", _context(
        request, project, form=form, memberships=memberships, can_edit=can_edit))


@require_POST
@project_view(rules.can_manage_members)
def member_remove(request, project, mid):
    membership = get_object_or_404(ResearchMembership, project=project, pk=mid)
    try:
        services.remove_member(actor=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The member was removed."))
    if not rules.can_see_project_exists(request.user, project):
        return redirect("research:list")
    return redirect("research:members", project.pk)


@project_view(rules.can_manage_project)
def import_data(request, project):
    kind = request.POST.get("kind") if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    transcripts_form = forms.TranscriptsForm(request.POST if kind == "transcripts" else None,
                                             files if kind == "transcripts" else None,
                                             prefix="transcripts")
    refi_form = forms.RefiForm(request.POST if kind == "refi" else None,
                               files if kind == "refi" else None, prefix="refi")
    cases_form = forms.CasesForm(request.POST if kind == "cases" else None,
                                 files if kind == "cases" else None, prefix="cases")
    try:
        if kind == "transcripts" and transcripts_form.is_valid():
            uploads = transcripts_form.cleaned_data["files"]
            job = services.start_import(actor=request.user, project=project,
                                        kind=ImportJob.Kind.TRANSCRIPTS,
                                        files=[(f.name, f.read()) for f in uploads])
            return redirect("research:import_job", project.pk, job.pk)
        if kind == "refi" and refi_form.is_valid():
            upload = refi_form.cleaned_data["file"]
            job = services.start_import(actor=request.user, project=project,
                                        kind=ImportJob.Kind.REFI,
                                        files=[(upload.name, upload.read())])
            return redirect("research:import_job", project.pk, job.pk)
        if kind == "cases" and cases_form.is_valid():
            cases = services.import_cases_csv(
                actor=request.user, project=project, data=cases_form.cleaned_data["file"].read(),
                name_column=cases_form.cleaned_data["name_column"])
            messages.success(request, _("%(n)s case(s) imported.") % {"n": len(cases)})
            return redirect("research:cases", project.pk)
    except ValidationError as error:
        form = {"transcripts": transcripts_form, "refi": refi_form, "cases": cases_form}[kind]
        _apply_errors(form, error)
    jobs = ImportJob.objects.filter(project=project).defer("payload")[:5]
    return render(request, "research/import.html", _context(
        request, project, transcripts_form=transcripts_form, refi_form=refi_form,
        cases_form=cases_form, jobs=jobs))


@project_view()
def codes(request, project):
    form = forms.CodeForm(request.POST or None, project=project)
    if request.method == "POST":
        if not rules.can_manage_project(request.user, project):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.create_code(actor=request.user, project=project, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The code was added."))
                return redirect("research:codes", project.pk)
    tree = selectors.code_tree(project)
    counts = dict(CodedSelection.objects.filter(project=project).values("code_id")
                  .annotate(n=Count("pk"))
                  .values_list("code_id", "n"))
    paths = selectors.code_paths(project)
    for code, _depth in tree:
        code.n_codings = counts.get(code.pk, 0)
        code.path = paths[code.pk]
    memo_form = forms.MemoForm(targets=_memo_targets(project, codes=[c for c, _d in tree],
                                                     with_project=False))
    return render(request, "research/codes.html", _context(
        request, project, tree=tree, form=form, memo_form=memo_form,
        can_memo=rules.can_write_memo(request.user, project),
        memos=Memo.objects.filter(project=project, target=Memo.Target.CODE)
        .select_related("code")))


@project_view(rules.can_manage_project)
def code_edit(request, project, cid):
    code = get_object_or_404(Code, project=project, pk=cid)
    initial = {"name": code.name, "parent": code.parent, "colour": code.colour or "#3f7fbf",
               "description": code.description, "is_codable": code.is_codable}
    form = forms.CodeForm(request.POST or None, project=project, initial=initial)
    form.fields["parent"].queryset = form.fields["parent"].queryset.exclude(pk=code.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_code(actor=request.user, code=code, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The code was saved."))
            return redirect("research:codes", project.pk)
    return render(request, "research/code_form.html", _context(request, project, form=form,
                                                               code=code))


def _tint(colour: str) -> str:
    """A light tint of ``colour`` on which dark text keeps a 4.5:1 contrast."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    for share in (0.7, 0.8, 0.9, 1.0):
        tint = "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in (r, g, b))
        if contrast_ratio("#1e1e1e", tint) >= 4.5:
            return tint
    return "#ffffff"


@require_GET
@project_view()
def codes_css(request, project):
    lines = []
    for code in Code.objects.filter(project=project):
        colour = code.colour if len(code.colour or "") == 7 else "#3f7fbf"
        try:
            tint = _tint(colour)
        except ValueError:
            colour, tint = "#3f7fbf", _tint("#3f7fbf")
        lines.append(f".code-{code.pk} {{ background-color: {tint}; "
                     f"border-bottom: 3px solid {colour}; }}")
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response


def _passages(source) -> list[tuple[str, str]]:
    """Speaker turns, else non-empty lines (paragraphs), as (``start-end``, label) choices."""
    choices = []
    if source.turns:
        for speaker, start, end, _time in source.turns:
            preview = " ".join(source.text[start:end].split())[:60]
            choices.append((f"{start}-{end}", f"{speaker} : {preview}"))
        return choices
    offset = 0
    for line in source.text.split("\n"):
        if line.strip():
            choices.append((f"{offset}-{offset + len(line)}", " ".join(line.split())[:70]))
        offset += len(line) + 1
    return choices


@project_view()
def source_detail(request, project, sid):
    source = selectors.get_source(project, sid)
    paths = selectors.code_paths(project)
    form = forms.CodingForm(request.POST or None, project=project, passages=_passages(source),
                            paths=paths, initial={"digest": services.text_digest(source.text)})
    if request.method == "POST":
        if not rules.can_code(request.user, project):
            raise PermissionDenied
        if form.is_valid():
            try:
                coding = services.code_passage(
                    actor=request.user, source=source, code=form.cleaned_data["code"],
                    start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                    digest=form.cleaned_data["digest"])
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("Coded “%(code)s”: %(quote)s") % {
                    "code": coding.code.name,
                    "quote": " ".join(source.text[coding.start:coding.end].split())[:80]})
                return redirect(reverse("research:source", args=[project.pk, source.pk])
                                + "#coding-form")
    if form.is_bound:  # a new attempt is made on the text shown now
        form.data = form.data.copy()
        form.data["digest"] = services.text_digest(source.text)
    codings = selectors.codings_of(source)
    segments = selectors.segments(source.text, codings)
    for segment in segments:
        segment.label = ", ".join(paths[c] for c in segment.codes)
    for coding in codings:
        coding.path = paths[coding.code_id]
        coding.quote = source.text[coding.start:coding.end]
        coding.own = coding.coder.user_id == request.user.pk
    memo_form = forms.MemoForm(targets=_memo_targets(project, sources=[source],
                                                     selections=codings, with_project=False))
    memos = Memo.objects.filter(project=project).filter(
        Q(source=source)
        | Q(selection__source=source))
    return render(request, "research/source.html", _context(
        request, project, source=source, form=form, segments=segments, codings=codings,
        tree=selectors.code_tree(project), memo_form=memo_form, memos=memos,
        length=len(source.text), cases=source.cases.all(),
        can_memo=rules.can_write_memo(request.user, project)))


@require_POST
@project_view(rules.can_code)
def coding_delete(request, project, cid):
    coding = get_object_or_404(CodedSelection.objects.select_related("coder", "project"),
                               project=project, pk=cid)
    services.delete_coding(actor=request.user, coding=coding)
    messages.success(request, _("The coding was removed."))
    return redirect(reverse("research:source", args=[project.pk, coding.source_id])
                    + "#codings")


_MEMO_MODELS = {"source": "sources", "selection": "codings", "code": "codes", "case": "cases"}


@require_POST
@project_view(rules.can_write_memo)
def memo_add(request, project):
    attach = request.POST.get("attach", "project:0")
    target, _sep, ident = attach.partition(":")
    obj = None
    if target != Memo.Target.PROJECT:
        if target not in _MEMO_MODELS or not ident.isdigit():
            raise Http404
        obj = get_object_or_404(getattr(project, _MEMO_MODELS[target]).all(), pk=int(ident))
    form = forms.MemoForm(request.POST, targets=[(attach, attach)])
    if form.is_valid():
        services.add_memo(actor=request.user, project=project, target=target, obj=obj,
                          title=form.cleaned_data["title"], text=form.cleaned_data["text"])
        messages.success(request, _("The memo was saved."))
    else:
        messages.error(request, _("A memo needs a text."))
    back = request.POST.get("next", "")
    if back.startswith(f"/recherche-qualitative/{project.pk}/"):
        return redirect(back)
    return redirect("research:project", project.pk)


@project_view()
def cases(request, project):
    form = forms.CaseValueForm(request.POST or None, project=project)
    if request.method == "POST":
        if not rules.can_manage_project(request.user, project):
            raise PermissionDenied
        if form.is_valid():
            case = get_object_or_404(Case, project=project, pk=form.cleaned_data["case"])
            variable = get_object_or_404(project.variables.all(),
                                         pk=form.cleaned_data["variable"])
            try:
                services.set_case_value(actor=request.user, case=case, variable=variable,
                                        value=form.cleaned_data["value"])
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, _("The attribute was saved."))
                return redirect("research:cases", project.pk)
    variables = list(project.variables.all())
    rows = []
    for case in project.cases.prefetch_related("values", "sources"):
        by_var = {v.variable_id: v.value for v in case.values.all()}
        rows.append((case, [by_var.get(v.pk, "") for v in variables]))
    memo_form = forms.MemoForm(targets=_memo_targets(project, cases=[r[0] for r in rows],
                                                     with_project=False))
    return render(request, "research/cases.html", _context(
        request, project, variables=variables, rows=rows, form=form, memo_form=memo_form,
        can_memo=rules.can_write_memo(request.user, project),
        memos=Memo.objects.filter(project=project, target=Memo.Target.CASE)
        .select_related("case")))


def _coder_choice(request, project) -> tuple[list[Coder], str | None]:
    coders = list(Coder.objects.filter(project=project))
    wanted = request.GET.get("coder") or None
    if wanted and wanted not in {c.guid for c in coders}:
        wanted = None
    return coders, wanted


@require_GET
@project_view()
def queries(request, project):
    core = convert.to_core(project)
    coders, coder = _coder_choice(request, project)
    columns = request.GET.get("columns") or "case"
    variable_names = [v.name for v in core.variables.values()]
    if columns != "case" and columns not in variable_names:
        columns = "case"
    by = request.GET.get("by") or ""
    if by not in variable_names:
        by = ""
    frequencies = qda_queries.frequencies(core, coder=coder, by=by or None)
    by_levels = [k[len("passages["):-1] for k in (frequencies[0] if frequencies else {})
                 if k.startswith("passages[")]
    for row in frequencies:
        row["levels"] = [row[f"passages[{level}]"] for level in by_levels]
    matrix = qda_queries.matrix(core, columns=columns, coder=coder)
    matrix_rows = [
        (code, [(matrix.columns[j], matrix.passages[i][j], matrix.cases[i][j])
                for j in range(len(matrix.columns))])
        for i, code in enumerate(matrix.rows)]
    cooccurrence = qda_queries.cooccurrence(core, coder=coder)
    agreement, coder_a, coder_b = None, request.GET.get("a"), request.GET.get("b")
    guids = {c.guid for c in coders}
    if coder_a in guids and coder_b in guids and coder_a != coder_b:
        agreement = qda_agreement.agreement(core, coder_a, coder_b)
    words = None
    if request.GET.get("words"):
        words = qda_queries.word_frequencies(core, top=40)
    return render(request, "research/queries.html", _context(
        request, project, coders=coders, coder=coder or "", columns=columns, words=words,
        variable_names=variable_names, by=by, by_levels=by_levels, frequencies=frequencies,
        matrix=matrix, matrix_rows=matrix_rows, cooccurrence=cooccurrence,
        agreement=agreement, coder_a=coder_a or "", coder_b=coder_b or ""))


@require_GET
@project_view()
def quotes(request, project):
    """The quotes behind a matrix cell or a code (drill-down), as a page, DOCX or XLSX."""
    core = convert.to_core(project)
    _coders, coder = _coder_choice(request, project)
    code = request.GET.get("code", "")
    try:
        core.code_by_path(code)
    except KeyError as error:
        raise Http404 from error
    column = request.GET.get("column")
    columns = request.GET.get("columns") or "case"
    found = qda_queries.passages(core, codes=[code], coder=coder)
    if column:
        try:
            matrix = qda_queries.matrix(core, columns=columns, coder=coder, codes=[code])
            cell = set(matrix.quotes[matrix.rows.index(code)][matrix.columns.index(column)])
        except (KeyError, ValueError) as error:
            raise Http404 from error
        found = [p for p in found if p.selection in cell]
    export = request.GET.get("format")
    name = slugify(f"{project.title} {code} {column or ''}")[:80] or "extraits"
    if export == "docx":
        data = qda_exports.quotes_docx(found, title=code)
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return _download(data, mime, f"{name}.docx")
    if export == "xlsx":
        data = qda_exports.quotes_xlsx(found)
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return _download(data, mime, f"{name}.xlsx")
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "research/quotes.html", _context(
        request, project, code=code, column=column, passages=found, query=query.urlencode()))


def _download(data: bytes, mime: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@project_view()
def export_qdpx(request, project):
    try:
        data, _notes = write_qdpx(convert.to_core(project))
    except RefiError as error:
        messages.error(request, _("The export failed: %(error)s") % {"error": error})
        return redirect("research:queries", project.pk)
    return _download(data, "application/zip",
                     f"{slugify(project.title)[:60] or 'projet'}.qdpx")


# ---------------------------------------------------------------------------------------
# imports in the background: progress page (htmx polling, refresh without JavaScript)
# ---------------------------------------------------------------------------------------


@require_GET
@project_view(rules.can_manage_project)
def import_job(request, project, jid):
    job = get_object_or_404(ImportJob.objects.defer("payload"), project=project, pk=jid)
    context = _context(request, project, job=job)
    if request.headers.get("HX-Request"):
        return render(request, "research/_import_status.html", context)
    return render(request, "research/import_job.html", context)


# ---------------------------------------------------------------------------------------
# deletions, each behind a confirmation page
# ---------------------------------------------------------------------------------------


def _confirm(request, project, *, title, lines, cancel, form=None, button=None):
    return render(request, "research/confirm_delete.html", _context(
        request, project, title=title, lines=lines, cancel=cancel, form=form,
        button=button or _("Delete")))


def _impact_lines(impact: dict[str, int]) -> list[str]:
    labels = {
        "subcodes": lambda n: ngettext("%(n)s sub-code", "%(n)s sub-codes", n),
        "codings": lambda n: ngettext("%(n)s coding (by every coder)",
                                      "%(n)s codings (by every coder)", n),
        "memos": lambda n: ngettext("%(n)s memo", "%(n)s memos", n),
        "values": lambda n: ngettext("%(n)s attribute value", "%(n)s attribute values", n),
    }
    return [labels[k](n) % {"n": n} for k, n in impact.items() if k in labels]


@project_view(rules.can_manage_project)
def code_delete(request, project, cid):
    code = get_object_or_404(Code, project=project, pk=cid)
    has_children = Code.objects.filter(parent=code).exists()
    form = (forms.DeleteCodeForm(request.POST if request.method == "POST" else None)
            if has_children else None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            services.delete_code(actor=request.user, code=code,
                                 children=form.cleaned_data["children"] if form else "")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The code “%(name)s” was deleted.") % {"name": code.name})
        return redirect("research:codes", project.pk)
    impact = services.code_deletion_impact(code)
    lines = _impact_lines(impact)
    if has_children:
        lines.append(_("With “delete them too”: the sub-codes' codings and memos as well "
                       "(counted above). With “keep them”: only the code's own."))
    return _confirm(request, project,
                    title=_("Delete the code “%(name)s”?") % {"name": code.name},
                    lines=lines, form=form, cancel=reverse("research:codes", args=[project.pk]))


@project_view(rules.can_manage_project)
def source_delete(request, project, sid):
    source = selectors.get_source(project, sid)
    if request.method == "POST":
        try:
            services.delete_source(actor=request.user, source=source)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The source “%(name)s” was deleted.")
                             % {"name": source.name})
        return redirect("research:project", project.pk)
    impact = services.source_deletion_impact(source)
    lines = [_("its text"), *_impact_lines(impact)]
    if impact["cases"]:
        lines.append(_("Its cases stay, without this source."))
    return _confirm(request, project,
                    title=_("Delete the source “%(name)s”?") % {"name": source.name},
                    lines=lines, cancel=reverse("research:source", args=[project.pk, source.pk]))


@project_view(rules.can_manage_project)
def case_delete(request, project, kid):
    case = get_object_or_404(Case, project=project, pk=kid)
    if request.method == "POST":
        try:
            services.delete_case(actor=request.user, case=case)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The case “%(name)s” was deleted.") % {"name": case.name})
        return redirect("research:cases", project.pk)
    lines = [*_impact_lines(services.case_deletion_impact(case)),
             _("Its sources and their codings stay.")]
    return _confirm(request, project,
                    title=_("Delete the case “%(name)s”?") % {"name": case.name},
                    lines=lines, cancel=reverse("research:cases", args=[project.pk]))


@project_view(rules.can_write_memo)
def memo_delete(request, project, mid):
    memo = get_object_or_404(Memo, project=project, pk=mid)
    if not rules.can_delete_memo(request.user, memo):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_memo(actor=request.user, memo=memo)
        messages.success(request, _("The memo was deleted."))
        return redirect("research:project", project.pk)
    return _confirm(request, project,
                    title=_("Delete the memo “%(title)s”?") % {"title": str(memo)},
                    lines=[_("its text")], cancel=reverse("research:project", args=[project.pk]))


# ---------------------------------------------------------------------------------------
# sets and links
# ---------------------------------------------------------------------------------------


def _set_choices(project):
    paths = selectors.code_paths(project)
    codes = [(c.guid, paths[c.pk]) for c, _d in selectors.code_tree(project)]
    sources = [(s.guid, s.name) for s in project.sources.all()]
    return codes, sources


@project_view()
def sets_links(request, project):
    codes, sources = _set_choices(project)
    kind = request.POST.get("kind") if request.method == "POST" else None
    set_form = forms.SetForm(request.POST if kind == "set" else None, codes=codes,
                             sources=sources, prefix="set")
    link_form = forms.LinkForm(request.POST if kind == "link" else None, objects=codes,
                               prefix="link")
    if request.method == "POST":
        if not rules.can_manage_project(request.user, project):
            raise PermissionDenied
        try:
            if kind == "set" and set_form.is_valid():
                data = set_form.cleaned_data
                services.save_set(
                    actor=request.user, project=project, name=data["name"],
                    description=data["description"],
                    codes=list(project.codes.filter(guid__in=data["codes"])),
                    sources=list(project.sources.filter(guid__in=data["sources"])))
                messages.success(request, _("The set was saved."))
                return redirect("research:sets", project.pk)
            if kind == "link" and link_form.is_valid():
                data = link_form.cleaned_data
                services.add_link(actor=request.user, project=project, origin=data["origin"],
                                  target=data["target"], name=data["name"],
                                  direction=data["direction"], colour=data["colour"])
                messages.success(request, _("The link was saved."))
                return redirect(reverse("research:sets", args=[project.pk]) + "#links")
        except ValidationError as error:
            _apply_errors(set_form if kind == "set" else link_form, error)
    return render(request, "research/sets.html", _context(
        request, project, set_form=set_form, link_form=link_form,
        **selectors.sets_and_links(project)))


@project_view(rules.can_manage_project)
def set_edit(request, project, guid):
    item = next((s for s in (project.refi_extras or {}).get("sets", []) if s["guid"] == guid),
                None)
    if item is None:
        raise Http404
    codes, sources = _set_choices(project)
    form = forms.SetForm(request.POST if request.method == "POST" else None, codes=codes,
                         sources=sources, initial={
        "name": item["name"], "description": item.get("description") or "",
        "codes": item.get("codes", []), "sources": item.get("sources", [])})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_set(actor=request.user, project=project, guid=guid, name=data["name"],
                              description=data["description"],
                              codes=list(project.codes.filter(guid__in=data["codes"])),
                              sources=list(project.sources.filter(guid__in=data["sources"])))
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The set was saved."))
            return redirect("research:sets", project.pk)
    return render(request, "research/set_form.html", _context(request, project, form=form,
                                                              item=item))


@project_view(rules.can_manage_project)
def extra_delete(request, project, kind, guid):
    if kind not in ("sets", "links"):
        raise Http404
    item = next((s for s in (project.refi_extras or {}).get(kind, []) if s["guid"] == guid),
                None)
    if item is None:
        raise Http404
    back = reverse("research:sets", args=[project.pk]) + ("#links" if kind == "links" else "")
    if request.method == "POST":
        try:
            services.delete_extra(actor=request.user, project=project, kind=kind, guid=guid)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The set was deleted.") if kind == "sets"
                             else _("The link was deleted."))
        return redirect(back)
    name = item.get("name") or _("(unnamed)")
    title = (_("Delete the set “%(name)s”?") if kind == "sets"
             else _("Delete the link “%(name)s”?")) % {"name": name}
    return _confirm(request, project, title=title, cancel=back,
                    lines=[_("Only the set itself: its codes and sources stay.") if kind == "sets"
                           else _("Only the link itself: the codes and passages stay.")])


# ---------------------------------------------------------------------------------------
# pseudonymisation
# ---------------------------------------------------------------------------------------


@project_view(rules.can_pseudonymise)
def pseudonymise(request, project):
    form = forms.PseudonymForm(request.POST if request.method == "POST" else None)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            pairs = services.parse_replacements(form.cleaned_data["replacements"])
            if request.POST.get("action") == "apply":
                if not form.cleaned_data["confirm"]:
                    raise ValidationError(_("Tick the box to confirm that you checked the "
                                            "preview."))
                key = services.apply_pseudonyms(actor=request.user, project=project,
                                                pairs=pairs)
                messages.success(request, ngettext(
                    "%(n)s occurrence replaced. The key is kept below, for researchers only.",
                    "%(n)s occurrences replaced. The key is kept below, for researchers only.",
                    key.occurrences) % {"n": key.occurrences})
                return redirect("research:pseudonymise", project.pk)
            preview = services.pseudonymisation_preview(project, pairs)
            preview["pairs"] = pairs
        except ValidationError as error:
            _apply_errors(form, error)
    return render(request, "research/pseudonymise.html", _context(
        request, project, form=form, preview=preview,
        keys=PseudonymKey.objects.filter(project=project).select_related("created_by")))


@require_GET
@project_view(rules.can_pseudonymise)
def pseudonym_key(request, project, kid):
    key = get_object_or_404(PseudonymKey, project=project, pk=kid)
    data = json.dumps(key.key, ensure_ascii=False, indent=1).encode("utf-8")
    return _download(data, "application/json",
                     f"cle-pseudonymisation-{project.pk}-{key.pk}.json")


@project_view(rules.can_pseudonymise)
def pseudonym_key_delete(request, project, kid):
    key = get_object_or_404(PseudonymKey, project=project, pk=kid)
    if request.method == "POST":
        services.delete_pseudonym_key(actor=request.user, key=key)
        messages.success(request, _("The key was deleted: this pseudonymisation can no longer "
                                    "be undone."))
        return redirect("research:pseudonymise", project.pk)
    return _confirm(request, project, title=_("Delete this pseudonymisation key?"),
                    lines=[_("the list of the original names and where they were"),
                           _("Without it, nobody can bring the original names back.")],
                    cancel=reverse("research:pseudonymise", args=[project.pk]))
