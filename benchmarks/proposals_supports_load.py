"""Supports under load: two gunicorn worker processes on PostgreSQL, many concurrent clients
toggling supports over HTTP; then the counts shown in the pages must equal the support rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlons \
        .venv/bin/python benchmarks/proposals_supports_load.py          # 200 clients, 60 s
    ... proposals_supports_load.py --quick                             # 40 clients, 15 s

Creates and drops the test database ``test_<name>``. Prints throughput, latency percentiles,
errors, and the lost/duplicated supports (must be zero).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from http_load import on_scratch_postgres, wait_for_server  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 clients for 15 s")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8731)
    args = parser.parse_args()
    if args.quick:
        args.clients, args.seconds = 40, 15

    return on_scratch_postgres("proposals_load", lambda database: run(args, database))


def seed(n_clients: int):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from parlons.platform.accounts.models import User
    from parlons.platform.organisations.models import Organisation
    from parlons.platform.proposals.models import Proposal
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    org = Organisation.objects.create(name="Charge", slug="charge", is_default=True)
    today = timezone.localdate()
    space = Space.objects.create(organisation=org, title="Charge", slug="charge",
                                 is_published=True)
    phase = Phase.objects.create(space=space, title="Contributions", start_date=today,
                                 end_date=today)
    component = Component.objects.create(space=space, kind="proposals", title="Idées",
                                         is_published=True)
    ComponentStep.objects.create(component=component, phase=phase,
                                 actions=["create", "comment", "support"])
    author = User.objects.create_user(email="auteur@charge.example", password=None,
                                      display_name="Auteur")
    proposals = Proposal.objects.bulk_create([
        Proposal(component=component, author=author, title=f"Idée {n}", body="<p>Texte</p>",
                 state="published", published_at=timezone.now()) for n in range(10)])
    clients = []
    for n in range(n_clients):
        user = User.objects.create_user(email=f"c{n}@charge.example", password=None,
                                        display_name=f"Client {n}",
                                        email_confirmed_at=timezone.now())
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        clients.append(session.session_key)
    return component, proposals, clients


def run(args, test_name: str) -> int:
    from django.conf import settings

    from parlons.platform.proposals.models import Proposal, Support

    component, proposals, sessions = seed(args.clients)
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_name
    env = {**os.environ, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_CONN_MAX_AGE": "60"}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "parlons.platform.wsgi",
         "--bind", f"127.0.0.1:{args.port}", "--workers", "2", "--threads", "8",
         "--log-level", "warning"], env=env, cwd=ROOT)
    try:
        wait_for_server(args.port)
        latencies, errors = _load(args, component, proposals, sessions, settings)
        shown = _shown_counts(args.port, component, proposals, sessions[0], settings)
    finally:
        server.terminate()
        server.wait(20)
    rows = {p.pk: Support.objects.filter(proposal=p).count() for p in proposals}
    stored = dict(Proposal.objects.filter(component=component)
                  .values_list("pk", "support_count"))
    latencies.sort()
    n = len(latencies)

    def pct(q):
        return latencies[min(n - 1, int(q * n))] * 1000 if n else float("nan")

    mismatched = sum(1 for pk in rows if rows[pk] != stored[pk] or shown.get(pk) != rows[pk])
    print(f"{args.clients} clients, {args.seconds:.0f} s, 2 gunicorn processes x 8 threads")
    print(f"{'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6} {'supports':>8} {'mismatch':>8}")
    print(f"{n:>9} {n / args.seconds:>7.1f} {pct(0.5):>7.1f} {pct(0.95):>7.1f} "
          f"{pct(0.99):>7.1f} {errors:>6} {sum(rows.values()):>8} {mismatched:>8}")
    return 1 if mismatched else 0


def _headers(session_key: str, settings) -> dict:
    token = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}; "
                      f"{settings.CSRF_COOKIE_NAME}={token}",
            "X-CSRFToken": token, "Host": "127.0.0.1",
            "Content-Type": "application/x-www-form-urlencoded"}


def _load(args, component, proposals, sessions, settings):
    stop = time.monotonic() + args.seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(session_key: str, seed: int) -> None:
        rng = random.Random(seed)
        headers = _headers(session_key, settings)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        mine, failed = [], 0
        while time.monotonic() < stop:
            proposal = rng.choice(proposals)
            t0 = time.perf_counter()
            try:
                conn.request("POST", f"/propositions/{component.pk}/{proposal.pk}/soutien/",
                             body="", headers=headers)
                response = conn.getresponse()
                response.read()
                ok = (response.status == 302
                      and "/connexion/" not in (response.getheader("Location") or ""))
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - t0)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(key, n)) for n, key in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def _shown_counts(port, component, proposals, session_key, settings) -> dict[int, int]:
    """The support count each proposal page shows."""
    headers = _headers(session_key, settings)
    shown = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for proposal in proposals:
        conn.request("GET", f"/propositions/{component.pk}/{proposal.pk}/", headers=headers)
        html = conn.getresponse().read().decode()
        match = re.search(r'<div id="support">\s*<p><strong>(\d+)', html)
        shown[proposal.pk] = int(match.group(1)) if match else -1
    return shown


if __name__ == "__main__":
    raise SystemExit(main())
