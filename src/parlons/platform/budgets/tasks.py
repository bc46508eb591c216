"""Background tasks of the budget module: counting, notifications, voting codes by e-mail/SMS."""

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


@shared_task(bind=True, acks_late=True, max_retries=5)
def send_voting_code(self, request_id: int) -> str:
    """Send the message of one code request (by e-mail or SMS).

    Only the request's id travels through the broker: the code is drawn here, and its hash
    installed only if the message was accepted. A refused message is tried again later
    (1, 2, 4, 8, 16 minutes); after the last try, or at once when tasks run in-process, the
    request is closed as failed and the person may ask again."""
    from parlons.platform.budgets import codes

    try:
        return codes.deliver(request_id)
    except codes.DeliveryError as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            codes.give_up(request_id)
            return "failed"
        raise self.retry(exc=error, countdown=60 * 2 ** self.request.retries) from None


@shared_task
def resend_lost_code_requests() -> int:
    """Periodic: queue again the code requests whose task was lost (e.g. the broker was
    unreachable when they were made); give up those older than a day."""
    from parlons.platform.budgets import codes

    pending = codes.stale_requests()
    for request_id in pending:
        send_voting_code.delay(request_id)
    return len(pending)


@shared_task
def purge_old_code_requests() -> int:
    """Periodic: records of voting-code requests are kept a limited time (see codes.py)."""
    from parlons.platform.budgets import codes

    return codes.purge_old_requests()
