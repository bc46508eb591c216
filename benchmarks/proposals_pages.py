"""Proposals list and proposal page at scale: SQL queries per page and server time.

Creates a throw-away test database (``test_<name>`` of DATABASE_URL, PostgreSQL recommended),
fills it with N proposals and M comments (500 on the measured proposal), then renders the pages
through Django's test client and prints queries, p50 and p95 server time per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlons \
        .venv/bin/python benchmarks/proposals_pages.py            # 10,000 / 100,000
    .venv/bin/python benchmarks/proposals_pages.py --quick        # 1,000 / 10,000

In-process, the wall time of a request is the server time (no network): its p50/p95/p99 and
the CPU time of the process per request (p50/p95) are printed.

With ``--server`` it then starts gunicorn (``--workers`` sync processes, as in production) on
the same data, the Django application wrapped in ``server_timing_app`` (this module), which adds
a ``Server-Timing: app;dur=<ms>, cpu;dur=<ms>`` header to every answer: the wall time and the
CPU time of the worker thread between the request entering Django and the answer leaving it.
For each page and each concurrency level of ``--concurrency`` (closed loop: every client sends
its next request when the previous answer arrived) it prints the throughput, the p50/p95/p99
wall time seen by the HTTP clients, next to the p50/p95/p99 **server time** and the p50/p95
server CPU time from those headers, and the CPU seconds (user+sys) the gunicorn workers spent
per request, read from /proc. The load average of the machine is printed with every row: on a
shared machine the wall times include waiting for a CPU.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlons \
        .venv/bin/python benchmarks/proposals_pages.py --server --skip-client
    # a small check of the whole chain (about a minute):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parlons .venv/bin/python \
        benchmarks/proposals_pages.py --proposals 500 --comments 1000 --repeat 5 --server \
        --concurrency 1 --requests 10

Target (issue 3): constant queries, p95 <= 150 ms. Peer anchor: a Decidim proposals index with
900 proposals took 7.4 s before it was fixed (published by the Decidim project).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from http_load import QueryCounter, percentile, wait_for_server  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 proposals, 10,000 comments")
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="requests per page")
    parser.add_argument("--server", action="store_true",
                        help="also measure over HTTP against gunicorn processes")
    parser.add_argument("--skip-client", action="store_true",
                        help="skip the in-process (test client) measurements")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--concurrency", default="1,2,4",
                        help="concurrent HTTP clients, comma-separated levels")
    parser.add_argument("--requests", type=int, default=40,
                        help="HTTP requests per page and concurrency level")
    parser.add_argument("--port", type=int, default=8741)
    args = parser.parse_args()
    if args.quick:
        args.proposals, args.comments, args.repeat = 1_000, 10_000, 15

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_{name}_proposals_pages"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                                  serialize=False)
    args.test_name = connection.settings_dict["NAME"]
    try:
        run(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def seed(n_proposals: int, n_comments: int):
    from django.utils import timezone

    from parlons.platform.accounts.models import User
    from parlons.platform.organisations.models import Area, Organisation, Theme
    from parlons.platform.proposals.models import Comment, Proposal
    from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space

    rng = random.Random(3)
    org = Organisation.objects.create(name="Bench", slug="bench", is_default=True)
    today = timezone.localdate()
    space = Space.objects.create(organisation=org, title="Bench", slug="bench",
                                 is_published=True)
    phase = Phase.objects.create(space=space, title="Contributions", start_date=today,
                                 end_date=today)
    component = Component.objects.create(space=space, kind="proposals", title="Idées",
                                         is_published=True)
    ComponentStep.objects.create(component=component, phase=phase,
                                 actions=["create", "comment", "support"])
    areas = [Area.objects.create(organisation=org, name=f"Quartier {i}", slug=f"q{i}")
             for i in range(6)]
    themes = [Theme.objects.create(organisation=org, name=f"Thème {i}", slug=f"t{i}")
              for i in range(7)]
    users = User.objects.bulk_create([
        User(email=f"u{i}@bench.example", display_name=f"Personne {i}") for i in range(2000)])
    now = timezone.now()
    words = ["arbres", "ombre", "place", "marché", "vélo", "banc", "fontaine", "jeux",
             "enfants", "parking", "kiosque", "terrasse", "éclairage", "bruit", "propreté",
             "halle", "concert", "jardin"]
    def point() -> dict:  # 3 proposals in 10 have a place on the map, around Montreval
        if rng.random() >= 0.3:
            return {}
        return {"latitude": round(45.75 + rng.random() / 20, 6),
                "longitude": round(4.82 + rng.random() / 20, 6), "address": "rue du Marché"}

    proposals = Proposal.objects.bulk_create([
        Proposal(component=component, author=rng.choice(users), **point(),
                 title=" ".join(rng.sample(words, 4)).capitalize(),
                 body="<p>" + " ".join(rng.choices(words, k=60)) + "</p>",
                 theme=rng.choice(themes), area=rng.choice(areas), state="published",
                 published_at=now, support_count=rng.randint(0, 300),
                 comment_count=0) for _i in range(n_proposals)], batch_size=2000)
    target = proposals[n_proposals // 2]
    rest = n_comments - 500
    comments = [Comment(proposal=target, author=rng.choice(users), body="Avis détaillé " * 8,
                        alignment=rng.choice([-1, 0, 1])) for _i in range(500)]
    comments += [Comment(proposal=rng.choice(proposals), author=rng.choice(users),
                         body="Un avis.") for _i in range(rest)]
    Comment.objects.bulk_create(comments, batch_size=5000)
    from django.db.models import Count

    counts = dict(Comment.objects.values("proposal").annotate(n=Count("pk"))
                  .values_list("proposal", "n"))
    for start in range(0, len(proposals), 2000):
        batch = proposals[start:start + 2000]
        for p in batch:
            p.comment_count = counts.get(p.pk, 0)
        Proposal.objects.bulk_update(batch, ["comment_count"])
    from django.db import connection

    from parlons.platform.proposals.services import index_for_search

    index_for_search(Proposal.objects.filter(component=component))
    if connection.vendor == "postgresql":
        # what autovacuum does on a live database: statistics, and the visibility map that
        # lets the list's count be an index-only scan (1 ms instead of a 22 MB heap scan)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return component, target, users[0]


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    started = time.perf_counter()
    component, target, user = seed(args.proposals, args.comments)
    print(f"database: {connection.vendor}; {args.proposals} proposals, {args.comments} comments;"
          f" seeded in {time.perf_counter() - started:.1f} s")
    base = f"/participer/bench/c/{component.pk}/"
    pages = {
        "list, recent": base,
        "list, most supported, page 40": base + "?sort=supported&page=40",
        "list, random": base + "?sort=random&page=3",
        "list, search 'arbres fontaine'": base + "?q=arbres+fontaine",
        "list, filtered area+theme": base + f"?area={target.area_id}&theme={target.theme_id}",
        "proposal with 500 comments": f"/propositions/{component.pk}/{target.pk}/",
        "map of the proposals": f"/propositions/{component.pk}/carte/",
    }
    if not args.skip_client:
        client = Client()
        client.force_login(user)
        in_process(args, client, pages)
    if args.server:
        over_http(args, pages, user)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"benchmark process: peak memory {peak:.0f} MiB; CPU {cpu.ru_utime + cpu.ru_stime:.1f} s")


def in_process(args, client, pages: dict[str, str]) -> None:
    from django.db import connection

    print("in-process (Django test client, no network, one request at a time): server time "
          "(wall) and CPU time of the process per request, ms")
    print(f"{'page':<34} {'queries':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
          f"{'CPU p50':>8} {'CPU p95':>8} {'load':>5}")
    for label, url in pages.items():
        client.get(url)  # warm up
        executed = QueryCounter()
        with connection.execute_wrapper(executed):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        times, cpu = [], []
        for _i in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(f"{label:<34} {executed.count:>7} {statistics.median(times):>7.1f} "
              f"{percentile(times, 0.95):>7.1f} {percentile(times, 0.99):>7.1f} "
              f"{max(times):>7.1f} {statistics.median(cpu):>8.1f} "
              f"{percentile(cpu, 0.95):>8.1f} {os.getloadavg()[0]:>5.1f}", flush=True)


def _cpu_seconds(pids: list[int]) -> float:
    """user+sys CPU seconds of the processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


_APPLICATION = None


def server_timing_app(environ, start_response):
    """The production WSGI application, timed: gunicorn serves this in ``--server`` mode.

    Adds ``Server-Timing: app;dur=<wall ms>, cpu;dur=<CPU ms>`` to every answer, measured in
    the worker around Django (the thread's CPU time, so it stays right with threaded workers).
    Django renders the whole body before it starts the response, so the header covers it."""
    global _APPLICATION
    if _APPLICATION is None:
        from parlons.platform.wsgi import application

        _APPLICATION = application
    wall, cpu = time.perf_counter(), time.thread_time()

    def timed_start(status, headers, exc_info=None):
        timing = (f"app;dur={(time.perf_counter() - wall) * 1000:.2f}, "
                  f"cpu;dur={(time.thread_time() - cpu) * 1000:.2f}")
        return start_response(status, [*headers, ("Server-Timing", timing)], exc_info)

    return _APPLICATION(environ, timed_start)


def _server_timing(header: str | None) -> tuple[float, float] | None:
    """(wall ms, CPU ms) read from a ``Server-Timing`` header written by ``server_timing_app``."""
    found = {}
    for metric in (header or "").split(","):
        name, _sep, rest = metric.strip().partition(";dur=")
        try:
            found[name] = float(rest)
        except ValueError:
            continue
    if "app" not in found or "cpu" not in found:
        return None
    return found["app"], found["cpu"]


def over_http(args, pages: dict[str, str], user) -> None:
    """gunicorn on the benchmark database; closed-loop clients per page and concurrency."""
    import subprocess
    import threading
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    root = Path(__file__).resolve().parents[1]
    session = import_module(settings.SESSION_ENGINE).SessionStore()  # what the server reads
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
               "Host": "127.0.0.1"}
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + args.test_name
    env = {**os.environ, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1",
           "DATABASE_CONN_MAX_AGE": "60"}
    server = subprocess.Popen(
        [str(root / ".venv" / "bin" / "gunicorn"), "proposals_pages:server_timing_app",
         "--pythonpath", f"{root / 'src'},{root / 'benchmarks'}", "--bind",
         f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--log-level", "warning"],
        env=env, cwd=root)
    levels = [int(level) for level in args.concurrency.split(",")]
    try:
        wait_for_server(args.port)
        workers = _workers(server.pid)
        print(f"over HTTP: gunicorn, {args.workers} sync worker processes; closed-loop clients;"
              f" {os.cpu_count()} CPUs on this machine. ms; client = wall seen by the HTTP "
              "client, server = Server-Timing of the worker (wall, then CPU); CPU/req = user+sys "
              "of the workers per request (/proc)")
        print(f"{'page':<34} {'clients':>7} {'req/s':>6} {'client p50':>10} {'p95':>6} "
              f"{'p99':>6} {'server p50':>10} {'p95':>6} {'p99':>6} {'CPU p50':>7} {'p95':>6} "
              f"{'CPU/req':>7} {'load':>5}")
        for label, path in pages.items():
            for _warm in range(2 * args.workers):  # every worker imports and connects
                _get(args.port, path, headers)
            for level in levels:
                cpu0, t0 = _cpu_seconds(workers), time.perf_counter()
                latencies, timings = _closed_loop(args.port, path, headers, level,
                                                  args.requests, threading)
                elapsed = time.perf_counter() - t0
                cpu = (_cpu_seconds(workers) - cpu0) / len(latencies) * 1000
                served = [wall for wall, _cpu in timings]
                server_cpu = [cpu_ms for _wall, cpu_ms in timings]
                print(f"{label:<34} {level:>7} {len(latencies) / elapsed:>6.1f} "
                      f"{percentile(latencies, 0.5):>10.1f} {percentile(latencies, 0.95):>6.1f}"
                      f" {percentile(latencies, 0.99):>6.1f} {percentile(served, 0.5):>10.1f} "
                      f"{percentile(served, 0.95):>6.1f} {percentile(served, 0.99):>6.1f} "
                      f"{percentile(server_cpu, 0.5):>7.1f} {percentile(server_cpu, 0.95):>6.1f}"
                      f" {cpu:>7.1f} {os.getloadavg()[0]:>5.1f}", flush=True)
    finally:
        server.terminate()
        server.wait(20)
        session.delete()


def _get(port: int, path: str, headers: dict, conn=None) -> tuple[int, str | None]:
    """GET ``path``: the status and the ``Server-Timing`` header of the answer."""
    import http.client

    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("Server-Timing")


def _closed_loop(port: int, path: str, headers: dict, clients: int, total: int,
                 threading) -> tuple[list[float], list[tuple[float, float]]]:
    """``clients`` threads share ``total`` requests; each waits for its answer before the next.
    Returns the wall latencies in ms seen by the clients (connection set-up included once per
    client) and the (wall, CPU) server timings in ms of the answers."""
    import http.client

    latencies: list[float] = []
    timings: list[tuple[float, float]] = []
    lock = threading.Lock()
    remaining = [total]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            t0 = time.perf_counter()
            status, timing = _get(port, path, headers, conn)
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 200:
                raise SystemExit(f"{path}: HTTP {status}")
            measured = _server_timing(timing)
            if measured is None:
                raise SystemExit(f"{path}: no Server-Timing header in the answer")
            with lock:
                latencies.append(elapsed)
                timings.append(measured)

    threads = [threading.Thread(target=client) for _n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, timings


if __name__ == "__main__":
    raise SystemExit(main())
