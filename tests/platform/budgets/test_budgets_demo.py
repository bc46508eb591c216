"""The demo's participatory budget: ~40 projects, ~3,000 ballots, results ready for the admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_budget(client):
    from parlons.platform.budgets.models import Ballot, Budget, BudgetProject

    call_command("load_demo", verbosity=0)
    budgets = list(Budget.objects.filter(component__space__slug="budget-participatif-2026"))
    assert sorted(b.amount for b in budgets) == [50_000] * 6 + [200_000]
    assert 36 <= BudgetProject.objects.filter(budget__in=budgets).count() <= 44
    assert 2_800 <= Ballot.objects.filter(budget__in=budgets).count() <= 3_200
    city = next(b for b in budgets if b.area_id is None)
    assert city.results["voters"] == Ballot.objects.filter(budget=city).count()
    assert sum(BudgetProject.objects.get(pk=p).cost for p in city.results["main"]["winners"]) \
        <= 200_000
    url = f"/participer/budget-participatif-2026/c/{city.component_id}/?v=results&b={city.pk}"
    assert client.get(url).status_code == 404  # not published
    assert client.login(email="admin@montreval.example", password="montreval-demo-2026")
    page = client.get(url).content.decode()
    assert "Preview" in page or "Aperçu" in page
    call_command("load_demo", verbosity=0)  # idempotent
    assert Budget.objects.filter(component__space__slug="budget-participatif-2026").count() == 7
    assert Ballot.objects.filter(budget__in=budgets).count() == Ballot.objects.count()
