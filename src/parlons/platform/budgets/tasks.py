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
