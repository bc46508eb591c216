"""Views of the budget component, reached through the component registry.

The front view dispatches on ``?v=``: overview, project, submit, eligibility, vote (basket,
review, confirm), basket (htmx summary), receipt, results, review (evaluators), paper (agents),
export. The back-office view (``manage_budget``) configures budgets and publishes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from parlons.platform.accounts.models import User
from parlons.platform.budgets import counting, rules, selectors, services
from parlons.platform.budgets.forms import (
    BudgetForm,
    ComponentRulesForm,
    EligibilityForm,
    MergeForm,
    MilestoneForm,
    PaperForm,
    ProjectForm,
    ReceiptForm,
    ReviewForm,
    WorksForm,
)
from parlons.platform.budgets.models import Budget, BudgetProject, PaperSheet, Review

VOTE_RATE = getattr(settings, "PARLONS_RATE_LIMITS", {}).get("vote", "30/m")
RECEIPT_RATE = getattr(settings, "PARLONS_RATE_LIMITS", {}).get("receipt", "20/m")


def _url(request, **params) -> str:
    from urllib.parse import urlencode

    return request.path + ("?" + urlencode(params) if params else "")


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def budget_component(request, component, context):
    view = request.GET.get("v", "")
    handler = FRONT_VIEWS.get(view)
    if handler is None:
        raise Http404
    return handler(request, component, context)


def overview(request, component, context):
    budgets = list(selectors.budgets_of(component))
    for budget in budgets:
        budget.project_list = list(selectors.public_projects(budget))
    user = request.user
    return render(request, "budgets/overview.html", {
        **context, "budgets": budgets,
        "can_submit": rules.can_submit(user, component),
        "can_vote": rules.can_vote(user, component),
        "can_review": rules.can_review(user, component),
        "can_enter": rules.can_enter_for_citizens(user, component),
        "eligibility": selectors.eligibility_of(component, user),
        "eligible": {b.pk for b in selectors.eligible_budgets(component, user)},
        "voted": {b.pk for b in budgets if user.is_authenticated
                  and selectors.has_voted(b, user)},
    })


def project_detail(request, component, context):
    project = selectors.get_project(component, request.GET.get("p"))
    return render(request, "budgets/project.html", {
        **context, "project": project, "milestones": project.milestones.all(),
        "published": bool(project.budget.decisions_published_at)})


def submit(request, component, context):
    agent = rules.can_enter_for_citizens(request.user, component)
    if not (rules.can_submit(request.user, component)
            or (agent and "submit" in context["allowed_actions"])):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    form = ProjectForm(request.POST or None, component=component, agent=agent)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        emails = [e.strip().lower() for e in data["coauthors"].split(",") if e.strip()]
        coauthors = list(User.objects.filter(email__in=emails))
        on_behalf = None
        if data.get("on_behalf_of"):
            on_behalf = User.objects.filter(email=data["on_behalf_of"].lower()).first()
            if on_behalf is None:
                form.add_error("on_behalf_of", _("No account has this e-mail address."))
        if len(coauthors) != len(emails):
            form.add_error("coauthors", _("Some co-authors have no account."))
        if not form.errors:
            try:
                project = services.submit_project(
                    actor=request.user, budget=data["budget"], title=data["title"],
                    description=data["description"], estimated_cost=data["estimated_cost"],
                    location=data["location"], area=data["area"], coauthors=coauthors,
                    on_behalf_of=on_behalf)
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, _("Your project was submitted. The city's services "
                                            "will study its feasibility."))
                return redirect(_url(request, v="project", p=project.pk))
    return render(request, "budgets/submit.html", {**context, "form": form})


def eligibility(request, component, context):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    agent = rules.can_enter_for_citizens(request.user, component)
    current = selectors.eligibility_of(component, request.user)
    initial = {"area": current.area_id} if current else {}
    form = EligibilityForm(request.POST or None, initial=initial,
                           organisation=component.space.organisation, agent=agent)
    if request.method == "POST" and form.is_valid():
        person = None
        if form.cleaned_data.get("person"):
            person = User.objects.filter(email=form.cleaned_data["person"].lower()).first()
            if person is None:
                form.add_error("person", _("No account has this e-mail address."))
        if not form.errors:
            try:
                services.declare_eligibility(
                    actor=request.user, component=component, area=form.cleaned_data["area"],
                    birth_date=form.cleaned_data["birth_date"], person=person)
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, _("Your declaration is recorded."))
                return redirect(request.path)
    minimum_age = (component.settings or {}).get("minimum_age", 0)
    return render(request, "budgets/eligibility.html",
                  {**context, "form": form, "minimum_age": minimum_age})


def _choices_from(request, budget: Budget) -> dict:
    if budget.ballot_type == Budget.BallotType.CUMULATIVE:
        out = {}
        for key, value in request.POST.items():
            if key.startswith("points-") and value.strip():
                out[key[7:]] = value.strip()
        return out
    return {pid: 1 for pid in request.POST.getlist("project")}


def _basket(budget: Budget, choices: dict) -> dict:
    projects = {str(p.pk): p for p in selectors.votable_projects(budget)}
    chosen = []
    for key, points in choices.items():
        project = projects.get(str(key))
        try:
            points = int(points)
        except (TypeError, ValueError):
            points = 0
        if project is not None and points > 0:
            chosen.append((project, points))
    spent = sum(p.cost for p, _x in chosen)
    points = sum(x for _p, x in chosen)
    return {"chosen": chosen, "spent": spent, "remaining": budget.amount - spent,
            "over": spent > budget.amount, "over_by": max(0, spent - budget.amount),
            "points_used": points,
            "points_left": budget.points - points}


def _limited(request) -> bool:
    key = "user" if request.user.is_authenticated else "ip"
    return is_ratelimited(request, group="budgets.vote", key=key, rate=VOTE_RATE,
                          method="POST", increment=True)


def vote(request, component, context):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    budget = selectors.get_budget(component, request.GET.get("b"))
    if not rules.can_vote(request.user, component):
        raise PermissionDenied
    if budget.pk not in {b.pk for b in selectors.eligible_budgets(component, request.user)}:
        messages.error(request, _("Declare your age and neighbourhood first: only budgets "
                                  "you may vote in are open to you."))
        return redirect(_url(request, v="eligibility"))
    projects = list(selectors.votable_projects(budget))
    ballot = selectors.own_ballot(budget, request.user)
    voted = selectors.has_voted(budget, request.user)
    choices: dict = {}
    if ballot is not None:
        choices = {str(c.project_id): c.points for c in ballot.choices.all()}
    error = None
    step = request.POST.get("step", "")
    if request.method == "POST":
        if _limited(request):
            from parlons.platform.common.views import rate_limited

            return rate_limited(request)
        choices = _choices_from(request, budget)
        try:
            cleaned = services.clean_choices(budget, choices)
        except ValidationError as exc:
            error = _errors(exc)
        else:
            if step == "review":
                return render(request, "budgets/confirm.html", {
                    **context, "budget": budget, "basket": _basket(budget, cleaned),
                    "receipt": services.new_receipt(), "voted": voted,
                    "previous": request.POST.get("previous", "")})
            if step == "confirm":
                receipt = request.POST.get("receipt", "")
                if budget.secret_ballot and voted:
                    receipt = request.POST.get("previous", "")
                try:
                    services.cast_ballot(actor=request.user, budget=budget, choices=cleaned,
                                         receipt=receipt)
                except ValidationError as exc:
                    error = _errors(exc)
                else:
                    return render(request, "budgets/done.html", {
                        **context, "budget": budget, "basket": _basket(budget, cleaned),
                        "receipt": services.normalise_receipt(receipt)})
    return render(request, "budgets/vote.html", {
        **context, "budget": budget, "projects": projects, "choices": choices,
        "basket": _basket(budget, choices), "error": error, "voted": voted,
        "previous": request.POST.get("previous", "")}, status=400 if error else 200)


def basket(request, component, context):
    """htmx: the basket summary for the ticked projects (computed on the server)."""
    budget = selectors.get_budget(component, request.GET.get("b"))
    if request.method != "POST":
        choices: dict = {}
    else:
        choices = _choices_from(request, budget)
    return render(request, "budgets/_basket.html",
                  {"budget": budget, "basket": _basket(budget, choices)})


def receipt(request, component, context):
    form = ReceiptForm(request.GET or None)
    found = checked = None
    if form.is_valid():
        if is_ratelimited(request, group="budgets.receipt", key="ip", rate=RECEIPT_RATE,
                          increment=True):
            from parlons.platform.common.views import rate_limited

            return rate_limited(request)
        checked = True
        found = services.check_receipt(component, form.cleaned_data["code"])
    return render(request, "budgets/receipt.html",
                  {**context, "form": form, "found": found, "checked": checked})


def _results_context(budget: Budget) -> dict:
    data = budget.results or {}
    projects = {str(p.pk): p for p in budget.projects.all()}
    votes = data.get("votes", {})
    top = max(votes.values(), default=0) or 1

    def rows(run):
        winners = set(run.get("winners", []))
        out = []
        for pid, n in sorted(votes.items(), key=lambda kv: -kv[1]):
            project = projects.get(pid)
            if project is None:
                continue
            out.append({"project": project, "votes": n, "funded": int(pid) in winners,
                        "width": int(round(20 * n / top)) * 5,
                        "explanation": run.get("explanations", {}).get(pid, "")})
        return out

    main = data.get("main", {})
    other = data.get("other")
    return {"budget": budget, "data": data, "main": main, "rows": rows(main) if main else [],
            "other": other, "other_rows": rows(other) if other else []}


def results(request, component, context):
    budget = selectors.get_budget(component, request.GET.get("b"))
    admin = rules.can_publish(request.user, component)
    if not budget.results_published_at and not (admin and budget.results_computed_at):
        raise Http404
    return render(request, "budgets/results.html",
                  {**context, **_results_context(budget), "preview": not
                   budget.results_published_at})


def export(request, component, context):
    budget = selectors.get_budget(component, request.GET.get("b"))
    if not budget.results_published_at and not rules.can_publish(request.user, component):
        raise Http404
    response = HttpResponse(counting.pabulib_text(budget), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{budget.pk}.pb"'
    return response


def review_dashboard(request, component, context):
    if not rules.can_review(request.user, component):
        raise PermissionDenied if request.user.is_authenticated else Http404
    reviews = (Review.objects.filter(project__budget__component=component)
               .select_related("project__budget", "evaluator").order_by("service", "project"))
    mine = request.GET.get("mine") == "1"
    if mine:
        reviews = reviews.filter(evaluator=request.user)
    return render(request, "budgets/review_dashboard.html", {
        **context, "reviews": reviews, "progress": selectors.review_progress(component),
        "mine": mine})


def review_project(request, component, context):
    if not rules.can_review(request.user, component):
        raise PermissionDenied if request.user.is_authenticated else Http404
    project = selectors.get_project(component, request.GET.get("p"))
    review = Review.objects.filter(project=project).first() or Review(project=project)
    form = ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            services.save_review(actor=request.user, project=project, **fields)
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            messages.success(request, _("The review was saved."))
            return redirect(_url(request, v="review"))
    return render(request, "budgets/review_project.html",
                  {**context, "project": project, "form": form})


def paper(request, component, context):
    if not rules.can_enter_for_citizens(request.user, component):
        raise PermissionDenied if request.user.is_authenticated else Http404
    form = PaperForm(request.POST or None, component=component)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sheet = services.enter_paper_ballot(
                actor=request.user, budget=data["budget"], station=data["station"],
                number=data["number"], voter=data["voter"], choices=data["projects"])
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            level = messages.ERROR if sheet.status in (PaperSheet.Status.MISMATCH,
                                                      PaperSheet.Status.REJECTED) \
                else messages.SUCCESS
            messages.add_message(request, level, _("Sheet %(number)s (%(station)s): %(status)s.")
                                 % {"number": sheet.number, "station": sheet.station,
                                    "status": sheet.get_status_display()})
            return redirect(_url(request, v="paper"))
    sheets = (PaperSheet.objects.filter(budget__component=component)
              .select_related("budget").order_by("-created_at")[:50])
    return render(request, "budgets/paper.html", {
        **context, "form": form, "sheets": sheets,
        "mismatches": selectors.mismatched_sheets(component)})


FRONT_VIEWS = {"": overview, "project": project_detail, "submit": submit,
               "eligibility": eligibility, "vote": vote, "basket": basket, "receipt": receipt,
               "results": results, "export": export, "review": review_dashboard,
               "review-project": review_project, "paper": paper}


# --- back office --------------------------------------------------------------------------------

def manage_budget(request, component, context):
    """Budgets, rules, reviews, decisions, results, follow-up: one page of small forms."""
    organisation = component.space.organisation
    op = request.POST.get("op", "")
    budget = None
    if request.POST.get("budget"):
        budget = selectors.get_budget(component, request.POST.get("budget"))
    project = None
    if request.POST.get("project"):
        project = selectors.get_project(component, request.POST.get("project"))
    edit = None
    if request.GET.get("b"):
        edit = selectors.get_budget(component, request.GET.get("b"))
    current = component.settings or {}
    rules_form = ComponentRulesForm(
        request.POST if op == "rules" else None,
        initial={"eligibility": current.get("eligibility", "area_and_city"),
                 "minimum_age": current.get("minimum_age", 0)})
    budget_form = BudgetForm(request.POST if op == "budget" else None, instance=edit,
                             organisation=organisation)
    simulation = None
    if request.method == "POST":
        try:
            done = _manage_post(request, component, op, budget, project, rules_form,
                                budget_form, edit)
        except ValidationError as error:
            messages.error(request, _errors(error))
            done = False
        if isinstance(done, dict):
            simulation = done
        elif done:
            return redirect(request.path)
    budgets = list(selectors.budgets_of(component).prefetch_related("projects__review"))
    return render(request, "budgets/manage.html", {
        **context, "budgets": budgets, "rules_form": rules_form, "budget_form": budget_form,
        "edit": edit, "simulation": simulation, "vote_open": rules.vote_is_open(component),
        "progress": selectors.review_progress(component),
        "mismatches": selectors.mismatched_sheets(component).prefetch_related("entries"),
        "works_form": WorksForm(), "milestone_form": MilestoneForm(),
        "evaluators": User.objects.filter(
            Q(organisation_roles__organisation=organisation,
              organisation_roles__role__in=["evaluator", "admin"])
            | Q(space_roles__space=component.space, space_roles__role="evaluator")).distinct(),
    })


def _manage_post(request, component, op, budget, project, rules_form, budget_form, edit):
    actor = request.user
    if op == "rules":
        if not rules_form.is_valid():
            return False
        services.set_component_rules(actor=actor, component=component,
                                     eligibility=rules_form.cleaned_data["eligibility"],
                                     minimum_age=rules_form.cleaned_data["minimum_age"])
        messages.success(request, _("The voting rules were saved."))
        return True
    if op == "budget":
        if not budget_form.is_valid():
            return False
        fields = {f: budget_form.cleaned_data[f] for f in budget_form.Meta.fields}
        if edit is None:
            services.create_budget(actor=actor, component=component, **fields)
        else:
            services.update_budget(actor=actor, budget=edit, **fields)
        messages.success(request, _("The budget was saved."))
        return True
    if budget is not None:
        if op == "simulate":
            return counting.simulate(budget)
        action = {"freeze": services.open_vote, "decisions": services.publish_decisions,
                  "count": services.compute_results, "publish": services.publish_results}.get(op)
        if action is None:
            raise Http404
        action(actor=actor, budget=budget)
        messages.success(request, _("Done."))
        return True
    if project is not None:
        if op == "assign":
            evaluator = None
            if request.POST.get("evaluator"):
                evaluator = get_object_or_404(User, pk=request.POST["evaluator"])
            services.assign_review(actor=actor, project=project, evaluator=evaluator,
                                   service=request.POST.get("service", ""))
        elif op == "merge":
            form = MergeForm(request.POST, budget=project.budget)
            if not form.is_valid():
                raise ValidationError(_("Choose the project to merge into and record the "
                                        "authors' agreement."))
            services.merge_projects(actor=actor, project=project, into=form.cleaned_data["into"],
                                    agreement=form.cleaned_data["agreement"])
        elif op == "works":
            form = WorksForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("The progress is a percentage between 0 and 100."))
            services.update_works(actor=actor, project=project,
                                  works_status=form.cleaned_data["works_status"],
                                  progress=form.cleaned_data["progress"])
        elif op == "milestone":
            form = MilestoneForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give a date and a title."))
            services.add_milestone(actor=actor, project=project, **form.cleaned_data)
        else:
            raise Http404
        messages.success(request, _("Done."))
        return True
    if op == "resolve":
        sheet = get_object_or_404(PaperSheet, budget__component=component,
                                  pk=request.POST.get("sheet") or 0)
        services.resolve_mismatch(actor=actor, sheet=sheet,
                                  entry_id=int(request.POST.get("entry") or 0))
        messages.success(request, _("Done."))
        return True
    raise Http404


def search_budgets(components, query: str):
    ids = [c.pk for c in components if c.kind == "budget"]
    found = BudgetProject.objects.filter(budget__component_id__in=ids).filter(
        Q(title__icontains=query) | Q(description__icontains=query)).values_list(
        "budget__component_id", flat=True)
    hits = set(found)
    return [c for c in components if c.pk in hits]
