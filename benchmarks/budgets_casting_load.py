"""Ballot casting under load: two gunicorn application processes on PostgreSQL, N concurrent
voters (voting codes, no account: review step then confirm), one process killed with SIGKILL
in the middle of the run; afterwards every acknowledged ballot must be in the ballot box once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlons \\
        .venv/bin/python benchmarks/budgets_casting_load.py              # 200 voters, 60 s
    ... budgets_casting_load.py --quick                                  # 40 voters, 15 s

Creates and drops the database ``test_<name>_budgets_load``; the servers listen on free ports
(never 8000). A voter whose server dies retries the same step on the other server with the
same receipt, as a browser would resend the form. Prints ballots/s, latency percentiles and
the check (lost and duplicated ballots must be zero); issue 5's target: >= 500 ballots/s,
p99 <= 250 ms on this 2-core machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from http_load import on_scratch_postgres, wait_for_server  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")
RECEIPT = re.compile(r'name="receipt" value="([A-Z0-9-]+)"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 voters for 15 s")
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=8, help="threads per app process")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a process")
    args = parser.parse_args()
    if args.quick:
        args.voters, args.seconds = 40, 15

    return on_scratch_postgres("budgets_load", lambda database: run(args, database))


def seed(n_codes: int):
    """A component in its vote phase accepting voting codes, a 20-project city budget."""
    import datetime as dt

    from django.utils import timezone

    from parlons.platform.budgets import census, services
    from parlons.platform.budgets.models import Budget, BudgetProject, VotingCode
    from parlons.platform.organisations.models import Area, Organisation
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    today = timezone.localdate()
    org = Organisation.objects.create(name="Charge", slug="charge", is_default=True)
    area = Area.objects.create(organisation=org, name="Centre", slug="centre")
    space = Space.objects.create(organisation=org, title="Budget", slug="bp", is_published=True)
    phase = Phase.objects.create(space=space, title="Vote", start_date=today - dt.timedelta(1),
                                 end_date=today + dt.timedelta(1))
    component = Component.objects.create(
        space=space, kind="budget", title="Projets", is_published=True,
        settings={"eligibility": "area_and_city", "minimum_age": 0, "voting_codes": True})
    ComponentStep.objects.create(component=component, phase=phase, actions=["vote"])
    budget = Budget.objects.create(component=component, title="Ville", amount=1_000_000)
    projects = BudgetProject.objects.bulk_create([
        BudgetProject(budget=budget, title=f"Projet {i}", description="d", state="feasible",
                      estimated_cost=20_000 + 5_000 * i) for i in range(20)])
    codes = [services.new_receipt() for _n in range(n_codes)]
    VotingCode.objects.bulk_create(
        [VotingCode(component=component, code_hash=census.code_hash(c), area=area,
                    channel="desk", issued_on=today) for c in codes], batch_size=5000)
    return space, component, budget, [p.pk for p in projects], codes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(port: int, env: dict, threads: int) -> subprocess.Popen:
    """One application process (gunicorn master + 1 worker) in its own process group."""
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "parlons.platform.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", str(threads),
         "--keep-alive", "30", "--log-level", "warning"],
        env=env, cwd=ROOT, start_new_session=True)


def run(args, test_name: str) -> int:

    from parlons.platform.budgets.models import Ballot, VoterRecord
    from parlons.platform.budgets.services import receipt_hash

    space, component, budget, project_ids, codes = seed(max(5000, args.voters * 150))
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_name
    env = {**os.environ, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_CONN_MAX_AGE": "60", "PARLONS_TRUSTED_PROXY": "1",
           "SECRET_KEY": secrets.token_urlsafe(40)}
    ports = [_free_port(), _free_port()]
    servers = [_server(port, env, args.threads) for port in ports]
    path = f"/participer/{space.slug}/c/{component.pk}/?v=code&b={budget.pk}"
    try:
        for port in ports:
            wait_for_server(port)
        result = _load(args, ports, servers, path, project_ids, codes)
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(20)
    acked = result["acked"]
    stored = set(Ballot.objects.filter(budget=budget).values_list("receipt_hash", flat=True))
    lost = sum(1 for receipt in acked.values() if receipt_hash(receipt) not in stored)
    records = VoterRecord.objects.filter(budget=budget).count()
    duplicated = len(stored) - records + (len(acked) - len(set(acked.values())))
    unacked = len(stored) - (len(acked) - lost)  # committed, answer never received
    lat = sorted(result["confirm_latencies"])
    n = len(lat)

    def pct(q):
        return lat[min(n - 1, int(q * n))] * 1000 if n else float("nan")

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{args.voters} voters, {args.seconds:.0f} s, 2 gunicorn processes x {args.threads} "
          f"threads, PostgreSQL; SIGKILL of one process at {result['killed_at']}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| ballots acknowledged | ballots/s | requests/s | confirm p50 ms | p95 ms | p99 ms "
          "| failed attempts (retried) | ballots in the box | lost | duplicated "
          "| committed, unacknowledged | servers' CPU (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {len(acked)} | {len(acked) / args.seconds:.1f} | "
          f"{result['requests'] / args.seconds:.1f} | {pct(0.5):.0f} | {pct(0.95):.0f} | "
          f"{pct(0.99):.0f} | {result['failures']} | {len(stored)} | {lost} | {duplicated} | "
          f"{unacked} | {usage.ru_utime + usage.ru_stime:.1f} |")
    return 1 if lost or duplicated else 0


def _load(args, ports, servers, path, project_ids, codes) -> dict:
    start = time.monotonic()
    stop = start + args.seconds
    kill_at = None if args.no_kill else start + args.seconds / 2
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for code in codes:
        todo.put(code)
    lock = threading.Lock()
    out = {"acked": {}, "confirm_latencies": [], "requests": 0, "failures": 0,
           "killed_at": "none"}
    alive = [True, True]

    def killer():
        if kill_at is None:
            return
        time.sleep(max(0.0, kill_at - time.monotonic()))
        os.killpg(servers[0].pid, signal.SIGKILL)
        alive[0] = False
        out["killed_at"] = f"{time.monotonic() - start:.0f} s"

    def voter(n: int) -> None:
        token = secrets.token_hex(16)
        headers = {"Cookie": f"csrftoken={token}", "X-CSRFToken": token, "Host": "127.0.0.1",
                   "X-Forwarded-For": f"10.{n // 250}.{n % 250}.1",
                   "Content-Type": "application/x-www-form-urlencoded"}
        which = n % 2
        conn = http.client.HTTPConnection("127.0.0.1", ports[which], timeout=30)
        requests = failures = 0
        latencies, acked = [], {}
        choice = str(project_ids[n % len(project_ids)])

        def post(data: dict) -> tuple[int, str, float]:
            nonlocal conn, which, requests, failures
            for _attempt in range(4):
                t0 = time.perf_counter()
                try:
                    conn.request("POST", path, body=urlencode(data, doseq=True),
                                 headers=headers)
                    response = conn.getresponse()
                    body = response.read().decode()
                    requests += 1
                    return response.status, body, time.perf_counter() - t0
                except (OSError, http.client.HTTPException):
                    failures += 1
                    conn.close()
                    if not alive[which]:
                        which = 1 - which  # the load balancer sends us to the other one
                    conn = http.client.HTTPConnection("127.0.0.1", ports[which], timeout=30)
            return 0, "", 0.0

        while time.monotonic() < stop:
            try:
                code = todo.get_nowait()
            except queue.Empty:
                break
            form = {"code": code, "project": [choice]}
            status, body, _t = post({**form, "step": "review"})
            match = RECEIPT.search(body) if status == 200 else None
            if match is None:
                continue
            status, body, seconds = post({**form, "step": "confirm",
                                          "receipt": match.group(1)})
            if status == 200 and 'id="receipt-code"' in body:
                acked[code] = match.group(1)
                latencies.append(seconds)
        with lock:
            out["acked"].update(acked)
            out["confirm_latencies"].extend(latencies)
            out["requests"] += requests
            out["failures"] += failures

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(args.voters)]
    threads.append(threading.Thread(target=killer, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads[:-1]:
        thread.join()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
