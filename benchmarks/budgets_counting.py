"""Counting a participatory budget end to end: 100,000 ballots on 200 projects, counted through
``parlons.platform.budgets.counting`` (DB → core → results) and the results page rendered.

    .venv/bin/python benchmarks/budgets_counting.py [--quick] [--rule greedy|mes]

Uses a throw-away SQLite database (or DATABASE_URL if set). Target (issue 5): under 10 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 ballots instead of 100,000")
    parser.add_argument("--rule", default="greedy", choices=["greedy", "mes"])
    args = parser.parse_args()
    n_ballots = 10_000 if args.quick else 100_000
    tmp = tempfile.mkdtemp()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("PARLONS_VAR_DIR", tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "parlons.platform.settings"
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from parlons.platform.accounts.models import User
    from parlons.platform.budgets import counting
    from parlons.platform.budgets.models import Ballot, BallotChoice, Budget, BudgetProject
    from parlons.platform.organisations.models import Organisation, OrganisationRole
    from parlons.platform.spaces.models import Component, Space

    rng = random.Random(1)
    org = Organisation.objects.create(name="Bench", slug="bench", is_default=True)
    space = Space.objects.create(organisation=org, title="BP", slug="bp", is_published=True)
    component = Component.objects.create(space=space, kind="budget", title="BP",
                                         is_published=True)
    budget = Budget.objects.create(component=component, title="Ville", amount=5_000_000,
                                   counting_rule=args.rule, show_comparison=False)
    projects = BudgetProject.objects.bulk_create([
        BudgetProject(budget=budget, title=f"P{i}", description="d", state="feasible",
                      estimated_cost=rng.randrange(10_000, 300_000, 1000)) for i in range(200)])
    weights = [rng.random() ** 3 for _p in projects]
    today = timezone.localdate()
    t0 = time.perf_counter()
    ballots, choices = [], []
    for n in range(n_ballots):
        ballot = Ballot(budget=budget, channel="online", receipt_hash=f"{n:064x}",
                        created_on=today, updated_on=today)
        ballots.append(ballot)
        chosen = {p.pk: p for p in rng.choices(projects, weights, k=rng.randint(1, 8))}
        choices += [BallotChoice(ballot=ballot, project_id=pk) for pk in chosen]
    Ballot.objects.bulk_create(ballots, batch_size=5000)
    BallotChoice.objects.bulk_create(choices, batch_size=10000)
    setup_s = time.perf_counter() - t0
    admin = User.objects.create_user(email="a@example.org", password="x")
    OrganisationRole.objects.create(organisation=org, user=admin, role="admin")

    cpu0, w0 = time.process_time(), time.perf_counter()
    instance = counting.instance_of(budget)
    profile = counting._without_gc(counting.counting_profile)(budget, instance)
    load_s, load_cpu = time.perf_counter() - w0, time.process_time() - cpu0
    w_old, c_old = time.perf_counter(), time.process_time()
    counting._without_gc(counting.profile_of)(budget, instance)  # the previous path
    old_load_s, old_cpu = time.perf_counter() - w_old, time.process_time() - c_old
    from parlons.core.budgeting import tally

    w1 = time.perf_counter()
    tally(instance, profile, rule=args.rule, completion="add1u", with_explanations=True)
    core_s = time.perf_counter() - w1
    w2, c2 = time.perf_counter(), time.process_time()
    budget.results = counting.count(budget)
    budget.results_computed_at = budget.results_published_at = timezone.now()
    budget.save()
    client = Client()
    response = client.get(f"/participer/bp/c/{component.pk}/?v=results&b={budget.pk}")
    assert response.status_code == 200, response.status_code
    assert profile.num_voters == n_ballots
    end_s = time.perf_counter() - w2
    end_cpu = time.process_time() - c2
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| ballots | choices | rule | setup (s) | DB→core wall/CPU (s) "
          "| same, previous per-voter path (s) "
          "| core tally (s) | count+store+page wall (s) | its CPU (s) | CPU, whole run (s) "
          "| peak RSS (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {n_ballots} | {len(choices)} | {args.rule} | {setup_s:.1f} | {load_s:.2f} / "
          f"{load_cpu:.2f} | {old_load_s:.2f} / {old_cpu:.2f} | {core_s:.2f} | {end_s:.2f} | {end_cpu:.2f} | {cpu:.1f} "
          f"| {peak:.0f} |")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"target: count+store+page < 10 s")
    print(f"winners: {len(budget.results['main']['winners'])}, "
          f"voters counted: {budget.results['voters']} (expected {n_ballots}) — "
          f"{'OK' if budget.results['voters'] == n_ballots else 'MISMATCH'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
