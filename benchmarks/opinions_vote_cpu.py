"""CPU cost of one htmx vote, in-process (Django test client, every middleware, no network).

Runs on a scratch PostgreSQL database (``parlons_vote_cpu`` on 127.0.0.1, recreated) with
the Redis cache (database 14 unless ``--redis`` says otherwise), as in production: anonymous
participants and one signed-in participant follow the voting flow (page, then htmx votes).
Prints CPU milliseconds per vote (``time.process_time``), SQL queries and cache round trips
per vote, and with ``--profile`` the top functions of a cProfile run.

    .venv/bin/python benchmarks/opinions_vote_cpu.py [--votes N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from http_load import QueryCounter

ROOT = Path(__file__).resolve().parents[1]
STATEMENT_RE = re.compile(r'name="statement" value="(\d+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
N_STATEMENTS = 60


def _environment(args: argparse.Namespace) -> None:
    os.environ.update({"DATABASE_URL": args.database, "REDIS_URL": args.redis,
                       "DJANGO_SETTINGS_MODULE": "parlons.platform.settings",
                       "SECRET_KEY": "benchmark-only-" + "x" * 40, "OPENBLAS_NUM_THREADS": "1",
                       "DATABASE_CONN_MAX_AGE": "600", "PARLONS_RATE_OPINIONS_VOTE": "1000000/m",
                       "PARLONS_RATE_OPINIONS_VOTE_IP": "100000000/m"})
    sys.path.insert(0, str(ROOT / "src"))


def _recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _setup() -> tuple[str, object]:
    """An organisation, a process in its voting phase, an anonymous opinions component."""
    import datetime as dt

    from django.core.cache import cache
    from django.core.management import call_command
    from django.utils import timezone

    from parlons.platform.accounts.models import User
    from parlons.platform.opinions.models import Statement
    from parlons.platform.organisations.models import Organisation
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    call_command("migrate", verbosity=0)
    cache.clear()
    org = Organisation.objects.create(name="Bench", slug="bench", is_default=True)
    today = timezone.localdate()
    space = Space.objects.create(organisation=org, title="Bench", slug="bench",
                                 is_published=True)
    phase = Phase.objects.create(space=space, title="Vote", start_date=today,
                                 end_date=today + dt.timedelta(5))
    component = Component.objects.create(space=space, kind="opinions", title="Avis",
                                         is_published=True,
                                         settings={"anonymous": True, "recompute_every": 10**6})
    ComponentStep.objects.create(component=component, phase=phase, actions=["vote"])
    Statement.objects.bulk_create(Statement(component=component, text=f"Proposition {i}",
                                            state="accepted") for i in range(N_STATEMENTS))
    user = User.objects.create_user(email="bench@example.org", password="motdepasse-solide-42",
                                    display_name="Bench")
    return f"/participer/bench/c/{component.pk}/", user


class Counter(QueryCounter):
    """Counts SQL queries (execute wrapper) and Redis commands (client patch)."""

    def __init__(self) -> None:
        super().__init__()
        self.redis = 0

    @property
    def queries(self) -> int:
        return self.count

    def patch_redis(self) -> None:
        import redis

        original = redis.Redis.execute_command
        counter = self

        def counted(self, *args, **kwargs):
            counter.redis += 1
            return original(self, *args, **kwargs)

        redis.Redis.execute_command = counted


def _browser(path: str, user=None):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    html = client.get(path).content.decode()
    return client, CSRF_RE.search(html).group(1), STATEMENT_RE.search(html).group(1)


def _vote(client, path: str, token: str, statement: str, value: str) -> str | None:
    body = urlencode({"csrfmiddlewaretoken": token, "action": "vote", "statement": statement,
                      "value": value})  # as a browser's htmx form (not the client's multipart)
    response = client.post(path, body, content_type="application/x-www-form-urlencoded",
                           HTTP_HX_REQUEST="true", HTTP_REFERER="http://testserver" + path)
    assert response.status_code == 200, response.status_code
    match = STATEMENT_RE.search(response.content.decode())
    return match.group(1) if match else None


def _run(path: str, browsers: list, votes: int, counter: Counter) -> tuple[float, int, int]:
    """Vote ``votes`` times round-robin over ``browsers``; CPU seconds, queries, Redis calls."""
    state = [list(b) for b in browsers]
    values = ("agree", "disagree", "pass")
    q0, r0 = counter.queries, counter.redis
    cpu0 = time.process_time()
    for i in range(votes):
        client, token, statement = state[i % len(state)]
        nxt = _vote(client, path, token, statement, values[i % 3])
        state[i % len(state)][2] = nxt or statement
    return time.process_time() - cpu0, counter.queries - q0, counter.redis - r0


def _print_sql(path: str, anonymous: list, signed_in: list) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, browsers in (("anonymous", anonymous), ("signed in", signed_in)):
        client, token, statement = browsers[0]
        with CaptureQueriesContext(connection) as captured:
            _vote(client, path, token, statement, "pass")
        print(f"-- one vote, {name}: {len(captured.captured_queries)} queries")
        for query in captured.captured_queries:
            print("  ", query["sql"][:150])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=400)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the votes")
    parser.add_argument("--sql", action="store_true", help="print the SQL of one vote of each")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/parlons_vote_cpu")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if not args.database.startswith("postgres://postgres@127.0.0.1:"):
        raise SystemExit("only a PostgreSQL database on 127.0.0.1 is allowed")
    _environment(args)
    _recreate(args.database)
    import django

    django.setup()
    from django.db import connection

    path, user = _setup()
    counter = Counter()
    counter.patch_redis()
    anonymous = [_browser(path) for _ in range(20)]
    signed_in = [_browser(path, user)]
    _run(path, anonymous, 40, counter)  # warm up (templates, translations, caches)
    _run(path, signed_in, 10, counter)
    with connection.execute_wrapper(counter):
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        cpu, queries, calls = _run(path, anonymous, args.votes, counter)
        if profile:
            profile.disable()
        cpu_u, queries_u, calls_u = _run(path, signed_in, max(10, args.votes // 10), counter)
    n_u = max(10, args.votes // 10)
    if args.sql:
        _print_sql(path, anonymous, signed_in)
    print(f"load average (1 min) {os.getloadavg()[0]:.1f}")
    print(f"{'':<28}{'anonymous':>12}{'signed in':>12}")
    print(f"{'CPU per vote (ms)':<28}{1000 * cpu / args.votes:>12.2f}{1000 * cpu_u / n_u:>12.2f}")
    print(f"{'SQL queries per vote':<28}{queries / args.votes:>12.2f}{queries_u / n_u:>12.2f}")
    print(f"{'Redis commands per vote':<28}{calls / args.votes:>12.2f}{calls_u / n_u:>12.2f}")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        pstats.Stats(profile).sort_stats("cumulative").print_callees(
            "component_detail|_space_context|_participate")
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
