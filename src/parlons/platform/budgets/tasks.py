"""Background tasks of the budget module: counting a large budget off the request."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def count_budget(budget_id: int, actor_id: int) -> int:
    """Count one budget as ``actor`` (the permission is checked again here); returns voters."""
    from parlons.platform.accounts.models import User
    from parlons.platform.budgets import services
    from parlons.platform.budgets.models import Budget

    budget = Budget.objects.select_related("component__space").get(pk=budget_id)
    actor = User.objects.get(pk=actor_id)
    return services.compute_results(actor=actor, budget=budget).results["voters"]


@shared_task(acks_late=True)
def notify_project(project_id: int, template: str, params: dict, key: str) -> int:
    """Notify a project's followers (in-app, and e-mail by the proposals' e-mail task).

    ``key`` makes it idempotent: a retried task does not notify twice. Returns the number of
    new notifications."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django.utils import translation

    from parlons.platform.budgets import services
    from parlons.platform.budgets.models import BudgetProject
    from parlons.platform.proposals.services import notify
    from parlons.platform.spaces import rules as space_rules

    project = (BudgetProject.objects.select_related("budget__component__space__organisation")
               .filter(pk=project_id).first())
    if project is None:
        return 0
    component = project.budget.component
    url = reverse("web:component_detail", args=[component.space.slug, component.pk]) \
        + f"?v=project&p={project.pk}"
    sent = 0
    for user in get_user_model().objects.filter(pk__in=services.followers_of(project)):
        if not space_rules.can_view_component(user, component):
            continue
        with translation.override(user.language or "fr"):
            values = dict(params)
            if "status" in values:
                values["status"] = str(BudgetProject.Works(values["status"]).label)
        if notify(user, component.space.organisation, "budget", template, values, url=url,
                  key=f"budget-{key}"):
            sent += 1
    return sent
