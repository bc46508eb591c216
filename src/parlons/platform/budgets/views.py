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
from django.db.models import OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from parlons.platform.accounts.models import User
from parlons.platform.budgets import census, codes, counting, rules, selectors, services
from parlons.platform.budgets.forms import (
    AgentVoteForm,
    BudgetForm,
    CensusForm,
    CodeForm,
    CodeRequestForm,
    ComponentRulesForm,
    EligibilityForm,
    MergeForm,
    MilestoneForm,
    PaperForm,
    PersonForm,
    PhotoForm,
    ProjectForm,
    ReceiptForm,
    ReviewForm,
    WorksForm,
)
from parlons.platform.budgets.models import (
    Budget,
    BudgetProject,
    PaperSheet,
    ProjectPhoto,
    Review,
    VoterRecord,
)
from parlons.platform.spaces import selectors as space_selectors

VOTE_RATE = getattr(settings, "PARLONS_RATE_LIMITS", {}).get("vote", "30/m")
CODE_RATE = getattr(settings, "PARLONS_RATE_LIMITS", {}).get("voting_code", "20/m")
CODE_REQUEST_RATE = getattr(settings, "PARLONS_RATE_LIMITS", {}).get("voting_code_request",
                                                                     "20/h")
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
        "can_code": rules.can_vote_with_code(component),
        "can_request_code": codes.can_request(component),
        "vote_open": rules.vote_is_open(component),
        "codes": bool((component.settings or {}).get("voting_codes")),
        "eligibility": selectors.eligibility_of(component, user),
        "eligible": {b.pk for b in selectors.eligible_budgets(component, user)},
        "voted": {b.pk for b in budgets if user.is_authenticated
                  and selectors.has_voted(b, user)},
    })


def project_detail(request, component, context):
    project = selectors.get_project(component, request.GET.get("p"))
    user = request.user
    return render(request, "budgets/project.html", {
        **context, "project": project, "milestones": project.milestones.all(),
        "photos": project.photos.all(), "can_add_photo": rules.can_add_photo(user, project),
        "following": user.is_authenticated and project.followers.filter(user=user).exists(),
        "published": bool(project.budget.decisions_published_at)})


def photo(request, component, context):
    """Add (or remove) a photo of a project: authors while submitting, staff any time."""
    project = selectors.get_project(component, request.GET.get("p"))
    if not rules.can_add_photo(request.user, project):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    back = _url(request, v="project", p=project.pk)
    if request.method == "POST" and request.POST.get("delete"):
        photo_id = request.POST["delete"]
        item = get_object_or_404(ProjectPhoto, project=project,
                                 pk=int(photo_id) if photo_id.isdigit() else 0)
        services.delete_photo(actor=request.user, photo=item)
        messages.success(request, _("The photo was removed."))
        return redirect(back)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_photo(actor=request.user, project=project,
                               upload=form.cleaned_data["image"],
                               alt_text=form.cleaned_data["alt_text"])
        except ValidationError as error:
            form.add_error("image", _errors(error))
        else:
            messages.success(request, _("The photo was added."))
            return redirect(back)
    return render(request, "budgets/photo.html",
                  {**context, "project": project, "form": form,
                   "photos": project.photos.all()}, status=400 if form.errors else 200)


def follow(request, component, context):
    """POST: follow or stop following a project's news (status, works, results)."""
    if request.method != "POST":
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    project = selectors.get_project(component, request.GET.get("p"))
    following = services.set_following(actor=request.user, project=project,
                                       follow=request.POST.get("follow") == "1")
    messages.success(request, _("You will receive the news of this project.") if following
                     else _("You no longer receive the news of this project."))
    return redirect(_url(request, v="project", p=project.pk))


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
    census_check = bool((component.settings or {}).get("census"))
    form = EligibilityForm(request.POST or None, initial=initial,
                           organisation=component.space.organisation, agent=agent,
                           census=census_check)
    if request.method == "POST" and form.is_valid():
        person = None
        if form.cleaned_data.get("person"):
            person = User.objects.filter(email=form.cleaned_data["person"].lower()).first()
            if person is None:
                form.add_error("person", _("No account has this e-mail address."))
        if not form.errors:
            try:
                services.declare_eligibility(
                    actor=request.user, component=component,
                    area=form.cleaned_data.get("area"),
                    birth_date=form.cleaned_data["birth_date"], person=person,
                    first_name=form.cleaned_data.get("first_name", ""),
                    last_name=form.cleaned_data.get("last_name", ""))
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                messages.success(request, _("Your declaration is recorded."))
                return redirect(request.path)
    minimum_age = (component.settings or {}).get("minimum_age", 0)
    return render(request, "budgets/eligibility.html",
                  {**context, "form": form, "minimum_age": minimum_age,
                   "census": census_check})


def _choices_from(request, budget: Budget) -> dict:
    if budget.ballot_type == Budget.BallotType.CUMULATIVE:
        out = {}
        for key, value in request.POST.items():
            if key.startswith("points-") and value.strip():
                out[key[7:]] = value.strip()
        return out
    return {pid: 1 for pid in request.POST.getlist("project")}


def _basket(budget: Budget, choices: dict) -> dict:
    """The ticked projects that are on the ballot, their cost and what is left."""
    projects = selectors.ballot_projects(budget) if choices else {}  # kept per process
    chosen = []
    for key, points in choices.items():
        project = projects.get(int(key)) if str(key).isdigit() else None
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
    budget = _ballot_budget(component, request.GET.get("b"))
    if not rules.can_vote(request.user, component):
        raise PermissionDenied
    voter = selectors.eligible_voter(component, request.user)  # the budget is the kept copy
    if voter is None or not selectors.may_vote_in(component, budget, voter.area_id, voter.key,
                                                  user=request.user):
        messages.error(request, _("Declare your age and neighbourhood first: only budgets "
                                  "you may vote in are open to you."))
        return redirect(_url(request, v="eligibility"))

    def cast(raw, receipt):
        return services.cast_ballot(actor=request.user, budget=budget, choices=raw,
                                    receipt=receipt, component=component)

    return _ballot_steps(request, context, budget,
                         voted=lambda: selectors.voted_as(budget, voter.key), cast=cast,
                         saved=lambda: selectors.own_choices(budget, request.user),
                         action=f"?v=vote&b={budget.pk}")


def _ballot_steps(request, context, budget: Budget, *, voted, cast, saved, action: str,
                  hidden: dict | None = None):
    """Basket → review-and-confirm (RGAA 11.12) → receipt, for every way of voting.

    ``voted()`` says whether the voter already voted in ``budget`` and ``saved()`` gives the
    choices their form starts from (each asked only when needed); ``cast(choices, receipt)``
    checks and records the ballot; ``hidden`` fields (a voting code) are carried by every form
    of the flow, never by the URL.
    """
    error = None
    step = request.POST.get("step", "")
    common = {**context, "budget": budget, "action": action,
              "hidden": hidden or {}, "previous": request.POST.get("previous", "")}
    secret = budget.secret_ballot or bool(hidden)
    if request.method != "POST" or step == "start":
        choices = saved()
    else:
        if _limited(request):
            from parlons.platform.common.views import rate_limited

            return rate_limited(request)
        choices = _choices_from(request, budget)
        try:
            if step == "confirm":  # the service checks the ballot, in its transaction
                return _confirm(request, common, budget, cast, choices,
                                changing=lambda: secret and voted())
            cleaned = services.clean_choices(budget, choices)
        except ValidationError as exc:
            error = _errors(exc)
        else:
            if step == "review":
                return render(request, "budgets/confirm.html", {
                    **common, "basket": _basket(budget, cleaned),
                    "receipt": services.new_receipt()})
    return render(request, "budgets/vote.html", {
        **common, "projects": list(selectors.votable_projects(budget)), "choices": choices,
        "basket": _basket(budget, choices), "error": error, "secret": secret,
        "voted": voted()}, status=400 if error else 200)


def _confirm(request, common: dict, budget: Budget, cast, choices: dict, changing):
    """Cast the reviewed ballot; the answer is the receipt page (a light one: the receipt and
    the chosen projects). ``changing()``: does a receipt typed in the form change an earlier
    secret ballot? Raises ``ValidationError`` when the ballot is refused."""
    receipt = request.POST.get("receipt", "")
    if request.POST.get("previous", "").strip() and changing():
        # a change: the receipt of the ballot; else a resent form keeps its own
        receipt = request.POST["previous"]
    cast(choices, receipt)
    return render(request, "budgets/done.html", {
        **common, "basket": _basket(budget, choices),
        "receipt": services.normalise_receipt(receipt)})


def vote_with_code(request, component, context):
    """Voting without an account: the code (letter or desk) is typed, then carried by the
    forms of the flow (never in the URL nor in the session, see ADR 0004)."""
    if not rules.can_vote_with_code(component):
        raise Http404
    form = CodeForm(request.POST or None)
    if request.method != "POST":
        return render(request, "budgets/code.html", {
            **context, "form": form, "can_request_code": codes.can_request(component)})
    if is_ratelimited(request, group="budgets.code", key="ip", rate=CODE_RATE, method="POST",
                      increment=True):
        from parlons.platform.common.views import rate_limited

        return rate_limited(request)
    voting_code = selectors.voting_code(component, request.POST.get("code", "")) \
        if form.is_valid() else None
    if voting_code is None:
        if form.is_valid():
            form.add_error("code", _("This voting code is not valid."))
        return render(request, "budgets/code.html", {
            **context, "form": form, "can_request_code": codes.can_request(component)},
            status=400)
    code = services.normalise_receipt(form.cleaned_data["code"])
    key = voting_code.voter_key
    if not request.GET.get("b"):
        open_budgets = selectors.budgets_for(component, voting_code.area_id, key)
        voted = set(VoterRecord.objects.filter(budget__in=open_budgets, voter_key=key)
                    .values_list("budget_id", flat=True))
        return render(request, "budgets/code_budgets.html", {
            **context, "budgets": open_budgets, "voted": voted, "code": code})
    budget = _open_budget(component, voting_code, request.GET.get("b"))

    def cast(raw, receipt):
        return services.cast_ballot_with_code(budget=budget, code=code, choices=raw,
                                              receipt=receipt, component=component)

    return _ballot_steps(request, context, budget, voted=lambda: selectors.voted_as(budget, key),
                         cast=cast, saved=dict, action=f"?v=code&b={budget.pk}",
                         hidden={"code": code})


def _open_budget(component, voting_code, budget_id) -> Budget:
    """The budget ``budget_id`` of ``component`` (404 if none) if it is open to the holder of
    ``voting_code`` (403 if not); the budget is kept per process, the check is not."""
    budget = _ballot_budget(component, budget_id)
    if not selectors.may_vote_in(component, budget, voting_code.area_id, voting_code.voter_key):
        raise PermissionDenied
    return budget


def _ballot_budget(component, budget_id) -> Budget:
    """The budget of the voting steps (kept per process, see ``selectors.ballot_budget``);
    404 if ``component`` has none with that id."""
    budget = selectors.ballot_budget(component, budget_id)
    if budget is None:
        raise Http404
    return budget


def basket(request, component, context):
    """htmx: the basket summary for the ticked projects (computed on the server)."""
    budget = _ballot_budget(component, request.GET.get("b"))
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
    titles = {pid: p.title for pid, p in projects.items()}
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
                        "explanation": counting.explanation_text(
                            run.get("explanations", {}).get(pid, ""), titles)})
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
                number=data["number"], choices=data["projects"],
                email=data.get("email") or "", first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""), birth_date=data.get("birth_date"),
                area=data.get("area"))
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
        "mismatches": selectors.mismatched_sheets(component)},
        status=400 if form.errors else 200)


def _agent_only(request, component) -> None:
    if not rules.can_enter_for_citizens(request.user, component):
        raise PermissionDenied if request.user.is_authenticated else Http404
    if not rules.vote_is_open(component):
        raise PermissionDenied


def agent_vote(request, component, context):
    """An agent records the ballot of a person at a desk or on the phone: identify, choose,
    read the choice back (review), confirm; the receipt is given to the person."""
    _agent_only(request, component)
    form = AgentVoteForm(request.POST or None, component=component)
    step = request.POST.get("step", "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cleaned = services.clean_choices(data["budget"], data["projects"])
            if step == "confirm":
                services.cast_for_person(
                    actor=request.user, budget=data["budget"], choices=cleaned,
                    receipt=request.POST.get("receipt", ""), email=data.get("email") or "",
                    first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
                    birth_date=data.get("birth_date"), area=data.get("area"),
                    station=data.get("station", ""))
        except ValidationError as error:
            form.add_error(None, _errors(error))
        else:
            basket = _basket(data["budget"], cleaned)
            if step == "confirm":
                return render(request, "budgets/agent_done.html", {
                    **context, "budget": data["budget"], "basket": basket,
                    "receipt": services.normalise_receipt(request.POST.get("receipt", ""))})
            return render(request, "budgets/agent_confirm.html", {
                **context, "form": form, "budget": data["budget"], "basket": basket,
                "receipt": services.new_receipt()})
    return render(request, "budgets/agent_vote.html", {
        **context, "form": form, "budgets": selectors.budgets_of(component)},
        status=400 if form.errors else 200)


def desk_code(request, component, context):
    """An agent hands a one-time voting code to a person whose identity they checked."""
    _agent_only(request, component)
    form = PersonForm(request.POST or None, component=component, with_email=False)
    code = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            code = census.issue_desk_code(
                actor=request.user, component=component, first_name=data["first_name"],
                last_name=data["last_name"], birth_date=data["birth_date"],
                area=data.get("area"))
        except ValidationError as error:
            form.add_error(None, _errors(error))
    return render(request, "budgets/desk_code.html", {**context, "form": form, "code": code},
                  status=400 if form.errors else 200)


def request_code(request, component, context):
    """Public page: ask for a voting code by e-mail or SMS (no account). With the census list
    the answer is the same whether or not the person is on it (see docs/budgets.md)."""
    if not codes.can_request(component):
        raise Http404
    media = codes.delivery_media(component)
    form = CodeRequestForm(request.POST or None, component=component, media=media)
    if request.method == "POST":
        if is_ratelimited(request, group="budgets.code-request", key="ip",
                          rate=CODE_REQUEST_RATE, method="POST", increment=True):
            from parlons.platform.common.views import rate_limited

            return rate_limited(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                asked = codes.request_code(
                    component=component, destination=data["destination"],
                    first_name=data.get("first_name", ""), last_name=data.get("last_name", ""),
                    birth_date=data["birth_date"], area=data.get("area"))
            except ValidationError as error:
                form.add_error(None, _errors(error))
            else:
                return render(request, "budgets/code_requested.html", {
                    **context, "medium": asked.medium, "census": bool(
                        (component.settings or {}).get("census")),
                    "masked": codes.mask(codes.parse_destination(
                        component, data["destination"])[1])})
    return render(request, "budgets/code_request.html", {
        **context, "form": form, "census": bool((component.settings or {}).get("census")),
        "media": media}, status=400 if form.errors else 200)


FRONT_VIEWS = {"": overview, "project": project_detail, "submit": submit,
               "eligibility": eligibility, "vote": vote, "basket": basket, "receipt": receipt,
               "results": results, "export": export, "review": review_dashboard,
               "review-project": review_project, "paper": paper, "code": vote_with_code,
               "agent-vote": agent_vote, "desk-code": desk_code, "photo": photo,
               "follow": follow, "get-code": request_code}


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
                 "minimum_age": current.get("minimum_age", 0),
                 "census": bool(current.get("census")),
                 "voting_codes": bool(current.get("voting_codes")),
                 "code_email": bool(current.get("code_email")),
                 "code_sms": bool(current.get("code_sms"))})
    census_form = CensusForm(request.POST if op == "census" else None,
                             request.FILES if op == "census" else None)
    if request.method == "POST" and op == "letters":
        return _letters(request, component)
    budget_form = BudgetForm(request.POST if op == "budget" else None, instance=edit,
                             organisation=organisation)
    simulation = None
    if request.method == "POST":
        try:
            done = _manage_post(request, component, op, budget, project, rules_form,
                                budget_form, edit, census_form)
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
        "census_form": census_form,
        "census_size": component.budget_census.count(),
        "letters_to_print": component.budget_census.filter(voting_code__isnull=True).count(),
        "codes_issued": component.budget_voting_codes.count(),
        "evaluators": User.objects.filter(
            Q(organisation_roles__organisation=organisation,
              organisation_roles__role__in=["evaluator", "admin"])
            | Q(space_roles__space=component.space, space_roles__role="evaluator")).distinct(),
    })


def _letters(request, component):
    """Issue the codes of the people of the list who have none yet, as a PDF of letters."""
    try:
        pdf = census.print_letters(actor=request.user, component=component)
    except ValidationError as error:
        messages.error(request, _errors(error))
        return redirect(request.path)
    if pdf is None:
        messages.info(request, _("Every person of the list already has a voting code."))
        return redirect(request.path)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="codes-{component.pk}.pdf"'
    return response


def _manage_post(request, component, op, budget, project, rules_form, budget_form, edit,
                 census_form):
    actor = request.user
    if op == "rules":
        if not rules_form.is_valid():
            return False
        data = rules_form.cleaned_data
        codes.save_rules(actor=actor, component=component, eligibility=data["eligibility"],
                         minimum_age=data["minimum_age"], census=data["census"],
                         voting_codes=data["voting_codes"], code_email=data["code_email"],
                         code_sms=data["code_sms"])
        messages.success(request, _("The voting rules were saved."))
        return True
    if op == "census":
        if not census_form.is_valid():
            return False
        size = census.replace_census(actor=actor, component=component,
                                     data=census_form.cleaned_data["file"].read(
                                         census.MAX_FILE_SIZE + 1))
        messages.success(request, _("The electoral list was replaced: %(n)s people.")
                         % {"n": size})
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


def search_budgets(components, query: str, *, limit: int | None = None) -> list:
    """Budget components among ``components`` with a project whose title or description
    contains ``query`` (site search): one query that stops at ``limit`` components (no bound
    when ``None``), each tested with ``EXISTS``, never reading every matching project."""
    candidates = [c for c in components if c.kind == "budget"]
    projects = BudgetProject.objects.filter(budget__component=OuterRef("pk")).filter(
        Q(title__icontains=query) | Q(description__icontains=query))
    return space_selectors.components_having(candidates, projects, limit)
