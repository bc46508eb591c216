"""Ballot casting under load: two gunicorn application processes on PostgreSQL, N concurrent
voters (voting codes, no account: review step then confirm), one process killed with SIGKILL
in the middle of the run; afterwards every acknowledged ballot must be in the ballot box once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlons \\
        .venv/bin/python benchmarks/budgets_casting_load.py              # 200 voters, 60 s
    ... budgets_casting_load.py --quick                                  # 40 voters, 15 s
    ... budgets_casting_load.py --floor [bare|platform]                  # the same flow on a
                                                 # trivial view (session, CSRF, one INSERT)
    ... budgets_casting_load.py --in-process [--ballots 500] [--profile] # server CPU per step
    ... budgets_casting_load.py --think 2                                # voters pause (mean 2 s)
                                                 # before each step, as people reading

``--in-process`` calls the Django WSGI handler directly (no server, no network) for the same
two POSTs per ballot and prints the CPU milliseconds (``time.process_time``) and the SQL
statements of each step; ``--profile`` adds a cProfile of the measured ballots.

Creates and drops the database ``test_<name>_budgets_load``; the servers listen on free ports
(never 8000). The client is one asyncio process over keep-alive HTTP/1.1 connections (one per
voter), so that it costs little next to the servers. Each voter takes the next voting code
(a new person: its own address, as behind the reverse proxy), posts the review step (which
draws the receipt), then the confirm step; a voter whose server dies resends the same step to
the other server with the same receipt, as a browser would resend the form. Prints ballots/s,
the cast (confirm) and whole-flow latency percentiles, the CPU spent by the client, the
servers and PostgreSQL per ballot, and the check (lost and duplicated ballots must be zero);
issue 5's target: >= 500 ballots/s, p99 <= 250 ms on this 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from http_load import (  # noqa: E402
    HTTPError,
    KeepAliveConnection,
    QueryCounter,
    free_port,
    group_pids,
    on_scratch_postgres,
    percentile,
    post_bytes,
    process_cpu,
    wait_for_server,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")
RECEIPT = re.compile(rb'name="receipt" value="([A-Z0-9-]+)"')
ACK = b'id="receipt-code"'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 voters for 15 s")
    parser.add_argument("--voters", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--worker", choices=["gthread", "sync"], default="gthread",
                        help="gunicorn worker class (sync: no keep-alive)")
    parser.add_argument("--threads", type=int, default=4, help="threads per app process")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a process")
    parser.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                        help="mean pause of a voter before each step (exponential, seeded): "
                             "people reading the ballot and its review; 0 = none")
    parser.add_argument("--floor", nargs="?", const="bare", choices=["bare", "platform"],
                        help="serve the trivial view of budgets_floor_urls instead (bare: "
                             "session, common and CSRF middleware; platform: all of ours)")
    parser.add_argument("--in-process", action="store_true",
                        help="time the two steps in this process (WSGI handler, no server)")
    parser.add_argument("--ballots", type=int, default=500, help="with --in-process")
    parser.add_argument("--profile", action="store_true", help="with --in-process: cProfile")
    args = parser.parse_args()
    if args.quick:
        args.voters, args.seconds = 40, 15
    if args.in_process:
        os.environ.update(PARLONS_TRUSTED_PROXY="1", ALLOWED_HOSTS="127.0.0.1")
        return on_scratch_postgres("budgets_cpu", lambda _database: in_process(args))
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


def _server(port: int, env: dict, args) -> subprocess.Popen:
    """One application process (gunicorn master + 1 worker) in its own process group.

    One worker per application process: on 2 cores, two processes already use both; the
    threads of a gthread worker only overlap the waits on PostgreSQL (the GIL serialises the
    Python), and the gthread worker keeps connections alive (the sync worker closes each)."""
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "parlons.platform.wsgi",
               "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", args.worker,
               "--keep-alive", "30", "--backlog", "2048", "--log-level", "warning",
               "--pythonpath", str(ROOT / "benchmarks")]
    if args.worker == "gthread":
        command += ["--threads", str(args.threads), "--worker-connections", "1000"]
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def run(args, test_name: str) -> int:
    space, component, budget, project_ids, codes = seed(
        2000 if args.floor else max(5000, args.voters * 200))
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_name
    env = {**os.environ, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_CONN_MAX_AGE": "60", "PARLONS_TRUSTED_PROXY": "1",
           "SECRET_KEY": secrets.token_urlsafe(40)}
    path = f"/participer/{space.slug}/c/{component.pk}/?v=code&b={budget.pk}"
    if args.floor:
        from budgets_floor_urls import create_table

        create_table()
        env.update(DJANGO_SETTINGS_MODULE="budgets_floor_settings",
                   PARLONS_FLOOR_MIDDLEWARE=args.floor)
        path = "/floor/"
        codes = [f"F{n}" for n in range(args.voters * 1000)]  # no code is checked
    ports = [free_port(), free_port()]
    servers = [_server(port, env, args) for port in ports]
    monitor = CPUMonitor(servers, test_name)
    try:
        for port in ports:
            wait_for_server(port, "/floor/" if args.floor else "/theme.css")
        monitor.start()
        result = asyncio.run(_load(args, ports, servers, path, project_ids, codes))
        monitor.stop()
    finally:
        for server in servers:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(20)
    return _report(args, budget, result, monitor)


def _stored(args, budget) -> tuple[set[str], int]:
    """Receipts (hashed for ballots) in the box, and the number of voters recorded."""
    if args.floor:
        from budgets_floor_urls import stored_receipts

        stored = stored_receipts()
        return stored, len(stored)
    from parlons.platform.budgets.models import Ballot, VoterRecord

    stored = set(Ballot.objects.filter(budget=budget).values_list("receipt_hash", flat=True))
    return stored, VoterRecord.objects.filter(budget=budget).count()


def _report(args, budget, result: dict, monitor: CPUMonitor) -> int:
    from parlons.platform.budgets.services import receipt_hash

    key = (lambda r: r) if args.floor else receipt_hash
    acked = result["acked"]
    stored, records = _stored(args, budget)
    lost = sum(1 for receipt in acked.values() if key(receipt) not in stored)
    duplicated = len(stored) - records + (len(acked) - len(set(acked.values())))
    unacked = len(stored) - (len(acked) - lost)  # committed, answer never received
    n = max(1, len(acked))
    what = f"floor ({args.floor} middleware, one INSERT)" if args.floor else "ballots"
    print(f"{what}: {args.voters} voters, {args.seconds:.0f} s, 2 gunicorn processes x "
          f"1 {args.worker} worker" + (f" x {args.threads} threads" if args.worker == "gthread"
                                       else "")
          + f", PostgreSQL; SIGKILL of one process at {result['killed_at']}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| acknowledged | per s | requests/s | cast p50 / p95 / p99 ms | whole flow p50 / p95 "
          "/ p99 ms | failed attempts (retried) | refused | in the box | lost | duplicated "
          "| committed, unacknowledged |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {len(acked)} | {len(acked) / args.seconds:.1f} | "
          f"{result['requests'] / args.seconds:.1f} | {_pcts(result['confirm'])} | "
          f"{_pcts(result['flow'])} | {result['failures']} | {result['refused']} | "
          f"{len(stored)} | {lost} | {duplicated} | {unacked} |")
    servers, database = monitor.servers_cpu(), monitor.database_cpu()
    client = result["client_cpu"]
    print(f"CPU seconds: servers {servers:.1f}, PostgreSQL backends {database:.1f}, client "
          f"{client:.1f}; per acknowledged ballot: servers {1000 * servers / n:.1f} ms, "
          f"PostgreSQL {1000 * database / n:.1f} ms, client {1000 * client / n:.1f} ms, all "
          f"{1000 * (servers + database + client) / n:.1f} ms (500/s on 2 cores: 4 ms); "
          f"{monitor.backends()} PostgreSQL backends seen")
    return 1 if lost or duplicated else 0


def _pcts(latencies: list[float]) -> str:
    if not latencies:
        return "–"
    return " / ".join(f"{1000 * percentile(latencies, q):.0f}" for q in (0.5, 0.95, 0.99))


class CPUMonitor:
    """CPU seconds of the two application processes (master and worker) and of their
    PostgreSQL backends, sampled every second (so that the killed process counts too)."""

    def __init__(self, servers: list[subprocess.Popen], database: str) -> None:
        self.groups = [server.pid for server in servers]
        self.database = database
        self.seen: dict[tuple[str, int], float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._sample()
        self.base = dict(self.seen)
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join()
        self._sample()

    def _loop(self) -> None:
        from django.db import connection

        try:
            while not self.done.wait(1.0):
                self._sample()
        finally:
            connection.close()

    def _sample(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                           "AND pid <> pg_backend_pid()", [self.database])
            backends = [row[0] for row in cursor.fetchall()]
        for pid in backends:
            self.seen[("db", pid)] = process_cpu([pid])
        for group in self.groups:
            for pid in group_pids(group):
                self.seen[("app", pid)] = process_cpu([pid])

    def _delta(self, kind: str) -> float:
        return sum(cpu - self.base.get(key, 0.0) for key, cpu in self.seen.items()
                   if key[0] == kind)

    def backends(self) -> int:
        """PostgreSQL backends (connections) seen during the run."""
        return sum(1 for key in self.seen if key[0] == "db")

    def servers_cpu(self) -> float:
        return self._delta("app")

    def database_cpu(self) -> float:
        return self._delta("db")


async def _load(args, ports, servers, path, project_ids, codes) -> dict:
    start = time.monotonic()
    cpu0 = time.process_time()
    stop = start + args.seconds
    todo = iter(range(len(codes)))
    out = {"acked": {}, "confirm": [], "flow": [], "requests": 0, "failures": 0, "refused": 0,
           "killed_at": "none"}
    alive = [True, True]

    async def killer() -> None:
        await asyncio.sleep(args.seconds / 2)
        os.killpg(servers[0].pid, signal.SIGKILL)
        alive[0] = False
        out["killed_at"] = f"{time.monotonic() - start:.0f} s"

    async def voter(v: int) -> None:
        rng = random.Random(v)

        async def think() -> None:
            if args.think > 0:
                await asyncio.sleep(rng.expovariate(1 / args.think))

        token = secrets.token_hex(16)
        which = v % 2
        conn = KeepAliveConnection(ports[which])
        choice = str(project_ids[v % len(project_ids)])

        async def post(data: dict, address: str) -> tuple[int, bytes, float]:
            nonlocal conn, which
            raw = post_bytes(path, urlencode(data, doseq=True), {
                "Cookie": f"csrftoken={token}", "X-CSRFToken": token,
                "X-Forwarded-For": address})
            for _attempt in range(4):
                t0 = time.perf_counter()
                try:
                    status, body = await conn.request(raw)
                except HTTPError:
                    out["failures"] += 1
                    if not alive[which]:
                        which = 1 - which  # the load balancer sends us to the other one
                        conn = KeepAliveConnection(ports[which])
                    continue
                out["requests"] += 1
                return status, body, time.perf_counter() - t0
            return 0, b"", 0.0

        while time.monotonic() < stop:
            n = next(todo, None)
            if n is None:
                break
            address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"  # one person, one address
            form = {"code": codes[n], "project": [choice]}
            await think()
            status, body, reviewed = await post({**form, "step": "review"}, address)
            match = RECEIPT.search(body) if status == 200 else None
            if match is None:
                out["refused"] += 1
                continue
            receipt = match.group(1).decode()
            await think()
            status, body, seconds = await post(
                {**form, "step": "confirm", "receipt": receipt}, address)
            if status == 200 and ACK in body:
                out["acked"][codes[n]] = receipt
                out["confirm"].append(seconds)
                out["flow"].append(reviewed + seconds)  # both answers, not the pauses
            else:
                out["refused"] += 1
        conn.close()

    tasks = [asyncio.create_task(voter(v)) for v in range(args.voters)]
    kill = None if args.no_kill else asyncio.create_task(killer())
    await asyncio.gather(*tasks)
    if kill is not None:
        kill.cancel()
    out["client_cpu"] = time.process_time() - cpu0
    return out


# --- in process: the server's CPU per step, without server nor network ---------------------

WARM_UP = 50


def in_process(args) -> int:
    """Cast ``args.ballots`` ballots through the WSGI handler after a warm-up; print the CPU
    milliseconds and SQL statements of the review and confirm steps (and a profile)."""
    import cProfile
    import pstats

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    space, component, budget, project_ids, codes = seed(WARM_UP + args.ballots)
    path = f"/participer/{space.slug}/c/{component.pk}/"
    query = f"v=code&b={budget.pk}"
    handler, counter = WSGIHandler(), QueryCounter()
    cast = _Caster(handler, path, query, project_ids, codes)
    for n in range(WARM_UP):
        cast(n)
    cpu: list[list[float]] = [[], [], []]
    statements = [0, 0]
    profile = cProfile.Profile(time.process_time) if args.profile else None
    with connection.execute_wrapper(counter):
        for n in range(WARM_UP, WARM_UP + args.ballots):
            steps = cast(n, counter, profile)
            for step, (seconds, count) in enumerate(steps):
                cpu[step].append(seconds)
                statements[step] += count
            cpu[2].append(steps[0][0] + steps[1][0])
    _check_in_process(budget, WARM_UP + args.ballots)
    n = args.ballots
    print(f"in process, PostgreSQL, {n} ballots after {WARM_UP} (voting codes, 1 project); "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| step | CPU ms per request, mean | median | SQL statements per request |\n"
          "|---|---|---|---|")
    for name, step in (("review", 0), ("confirm", 1), ("ballot", 2)):
        count = statements[step] / n if step < 2 else sum(statements) / n
        print(f"| {name} | {1000 * sum(cpu[step]) / n:.2f} | "
              f"{1000 * percentile(cpu[step], 0.5):.2f} | {count:.1f} |")
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
    return 0


class _Caster:
    """The review then confirm POSTs of voter ``n``, as the load client sends them."""

    def __init__(self, handler, path: str, query: str, project_ids, codes) -> None:
        self.handler, self.path, self.query = handler, path, query
        self.project_ids, self.codes = project_ids, codes

    def __call__(self, n: int, counter=None, profile=None) -> list[tuple[float, int]]:
        token = secrets.token_hex(16)
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        form = {"code": self.codes[n], "project": [str(self.project_ids[n % 20])]}
        out = []
        body = self._post({**form, "step": "review"}, token, address, counter, profile, out)
        receipt = RECEIPT.search(body).group(1).decode()
        body = self._post({**form, "step": "confirm", "receipt": receipt}, token, address,
                          counter, profile, out)
        if ACK not in body:
            raise SystemExit(f"ballot {n} refused")
        return out

    def _post(self, data, token, address, counter, profile, out) -> bytes:
        payload = urlencode(data, doseq=True).encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": self.path, "QUERY_STRING": self.query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(payload),
            "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(payload)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_COOKIE": f"csrftoken={token}", "HTTP_X_CSRFTOKEN": token,
            "HTTP_X_FORWARDED_FOR": address}
        statuses = []
        before = counter.count if counter else 0
        if profile is not None:
            profile.enable()
        cpu0 = time.process_time()
        response = self.handler(environ, lambda status, headers: statuses.append(status))
        body = b"".join(response)
        response.close()
        cpu = time.process_time() - cpu0
        if profile is not None:
            profile.disable()
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{data['step']}: {statuses[0]}")
        out.append((cpu, (counter.count - before) if counter else 0))
        return body


def _check_in_process(budget, expected: int) -> None:
    from parlons.platform.budgets.models import Ballot, VoterRecord

    ballots = Ballot.objects.filter(budget=budget).count()
    records = VoterRecord.objects.filter(budget=budget).count()
    if ballots != expected or records != expected:
        raise SystemExit(f"{ballots} ballots, {records} voters: {expected} expected")


if __name__ == "__main__":
    raise SystemExit(main())
