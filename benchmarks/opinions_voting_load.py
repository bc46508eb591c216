"""Voting under load: N concurrent participants vote on an opinions component for T seconds.

Two gunicorn processes (gthread workers) on PostgreSQL serve the platform on 127.0.0.1; map
recomputes go through Redis to a Celery worker when ``redis-server`` is installed (else they
run in-process, eager). The clients run in this one process (asyncio, one keep-alive
connection each, so that they take little of the CPU the server needs); each has its own
browser identity (anonymous participation): it loads the page, then follows the htmx flow
(vote, get the next statement);
once it has seen every statement it changes earlier votes. Prints throughput and latency
percentiles, then checks that no vote was lost: the rows in the database are exactly the
(participant, statement) pairs that got a successful answer, with the last value sent.

    .venv/bin/python benchmarks/opinions_voting_load.py [--quick] [--clients N] [--seconds T]
        [--think S] [--database postgres://postgres@127.0.0.1:5432/parlons_opinions_bench]
        [--eager]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from http_load import free_port, percentile

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
STATEMENT_RE = re.compile(r'name="statement" value="(\d+)"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
N_STATEMENTS = 60


def wait_port(port: int, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port}")


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_data(env: dict[str, str]) -> tuple[str, int]:
    """Migrate and create an organisation, a process and an opinions component."""
    subprocess.run([str(BIN / "parlons"), "manage", "migrate", "-v", "0"], env=env, check=True,
                   cwd=ROOT)
    code = f"""
import datetime as dt
from django.utils import timezone
from parlons.platform.organisations.models import Organisation
from parlons.platform.spaces.models import Component, ComponentStep, Phase, Space
from parlons.platform.opinions.models import Statement
org = Organisation.objects.create(name="Bench", slug="bench", is_default=True)
today = timezone.localdate()
space = Space.objects.create(organisation=org, title="Bench", slug="bench", is_published=True)
phase = Phase.objects.create(space=space, title="Vote", start_date=today,
                             end_date=today + dt.timedelta(5))
c = Component.objects.create(space=space, kind="opinions", title="Avis", is_published=True,
                             settings={{"anonymous": True, "recompute_every": 200}})
ComponentStep.objects.create(component=c, phase=phase, actions=["vote"])
for i in range({N_STATEMENTS}):
    Statement.objects.create(component=c, text=f"Proposition {{i}}", state="accepted")
print(c.pk)
"""
    out = subprocess.run([str(BIN / "parlons"), "manage", "shell", "-c", code], env=env,
                         check=True, cwd=ROOT, capture_output=True, text=True).stdout
    pk = int(out.strip().splitlines()[-1])
    return f"/participer/bench/c/{pk}/", pk


class Connection:
    """One keep-alive HTTP/1.1 connection to the server (asyncio streams, no library)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, list[tuple[str, str]], bytes]:
        """(status, headers, body); reconnects once when a reused connection was closed."""
        for attempt in (1, 2):
            reused = self.writer is not None
            if not reused:
                await self._open()
            try:
                return await self._exchange(method, path, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, headers: dict[str, str],
                        body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                 f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        parsed = [tuple(x.strip() for x in line.split(":", 1)) for line in header_lines if line]
        fields = {k.lower(): v for k, v in parsed}
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            data = await self._chunked()
        else:
            data = await self.reader.read()
            self.close()
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, parsed, data

    async def _chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self.reader.readexactly(size + 2))
            if size == 0:
                return b"".join(p[:-2] for p in parts)


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Think for ``seconds``; True when the run's end came first."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:  # the think time elapsed: the normal case
        return False
    return True


class Participant:
    """An anonymous browser: loads the page, then votes on successive statements (htmx)."""

    def __init__(self, port: int, path: str, seed: int, think: float = 0.0) -> None:
        self.conn = Connection(port)
        self.path, self.rng, self.think = path, random.Random(seed), think
        self.cookies: dict[str, str] = {}
        self.latencies: list[float] = []
        self.acked: dict[int, int] = {}   # statement -> last acknowledged value
        self.errors = 0
        self.kinds: dict[str, int] = {}
        self.browser_id = ""
        self.token = ""
        self.statement: int | None = None

    async def _send(self, method: str, body: bytes = b"",
                    extra: dict[str, str] | None = None) -> tuple[int, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        status, fields, data = await self.conn.request(method, self.path, headers, body)
        for name, value in fields:
            if name.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return status, data.decode()

    def _error(self, kind: str) -> None:
        self.errors += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    async def open_page(self) -> bool:
        try:
            status, html = await self._send("GET")
        except (OSError, asyncio.IncompleteReadError) as exc:
            self._error("first GET " + type(exc).__name__)
            return False
        match = CSRF_RE.search(html)
        if status != 200 or not match:
            self._error(f"first GET HTTP {status}")
            return False
        self.token = match.group(1)
        found = STATEMENT_RE.search(html)
        self.statement = int(found.group(1)) if found else None
        return True

    async def vote_until(self, stop: asyncio.Event) -> None:
        values = ("agree", "disagree", "pass")
        codes = {"agree": 1, "disagree": -1, "pass": 0}
        headers = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                   "Referer": f"http://127.0.0.1:{self.conn.port}{self.path}"}
        while not stop.is_set():
            statement = self.statement
            if statement is None:  # every statement seen: change an earlier vote
                statement = self.rng.choice(sorted(self.acked))
            value = self.rng.choice(values)
            if self.think and await stopped_within(stop, self.rng.uniform(0.5, 1.5) * self.think):
                break
            body = urlencode({"csrfmiddlewaretoken": self.token, "action": "vote",
                              "statement": statement, "value": value}).encode()
            start = time.perf_counter()
            try:
                status, html = await self._send("POST", body, headers)
            except (OSError, asyncio.IncompleteReadError) as exc:
                self._error(type(exc).__name__)
                continue
            self.latencies.append(time.perf_counter() - start)
            if status != 200:
                self._error(f"HTTP {status}")
                self.statement = None if self.acked else statement
                continue
            self.acked[statement] = codes[value]
            found = STATEMENT_RE.search(html)
            self.statement = int(found.group(1)) if found else None
        self.conn.close()
        self.browser_id = self.cookies.get("parlons_opinions", "").strip('"').split(":")[0]


async def run_clients(port: int, path: str, clients: int, seconds: float, think: float,
                      on_start) -> tuple[list[Participant], float]:
    """Every participant opens the page (outside the clock), then all vote for ``seconds``;
    ``on_start()`` is called when the clock starts. Returns the participants and the wall
    time of the voting period (until the last answer came back)."""
    participants = [Participant(port, path, seed=i, think=think) for i in range(clients)]
    opened = []
    for chunk in range(0, clients, 20):  # 20 page loads at a time
        batch = participants[chunk:chunk + 20]
        results = await asyncio.gather(*(p.open_page() for p in batch))
        opened += [p for p, ok in zip(batch, results, strict=True) if ok]
    stop = asyncio.Event()
    on_start()
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(p.vote_until(stop)) for p in opened]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait(tasks, timeout=60)
    return participants, time.perf_counter() - t0


def server_cpu(master: int) -> float:
    """CPU seconds used so far by the gunicorn master and its workers (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == master or int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def warm_up(url: str) -> None:
    """Load the application in both processes before the clock starts."""
    import requests

    end = time.monotonic() + 120
    ok = 0
    while ok < 6 and time.monotonic() < end:
        try:
            ok += requests.get(url, timeout=60).status_code == 200
        except requests.RequestException:
            time.sleep(0.5)
    if ok < 6:
        raise SystemExit(f"the application does not answer on {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 clients for 10 s")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a participant reads before voting (default 0: "
                             "closed loop, each client votes as fast as it can)")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn process")
    parser.add_argument("--eager", action="store_true",
                        help="recompute in the web processes even if redis-server exists")
    parser.add_argument("--database",
                        default="postgres://postgres@127.0.0.1:5432/parlons_opinions_bench")
    args = parser.parse_args()
    clients = args.clients or (20 if args.quick else 200)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    if not args.database.startswith("postgres://postgres@127.0.0.1:"):
        raise SystemExit("only a PostgreSQL database on 127.0.0.1 is allowed")
    recreate_database(args.database)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": args.database, "DJANGO_SETTINGS_MODULE":
           os.environ.get("DJANGO_SETTINGS_MODULE", "parlons.platform.settings"), "PARLONS_RATE_OPINIONS_VOTE": "1000000/m",
           "PARLONS_RATE_OPINIONS_VOTE_IP": "100000000/m", "OPENBLAS_NUM_THREADS": "1",
           "SECRET_KEY": "benchmark-only-" + "x" * 40, "DATABASE_CONN_MAX_AGE": "600"}
    env.pop("REDIS_URL", None)
    procs: list[subprocess.Popen] = []
    mode = "eager (in the web processes)"
    try:
        if not args.eager and shutil.which("redis-server"):
            rport = free_port()
            procs.append(subprocess.Popen(
                ["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no"], stdout=subprocess.DEVNULL))
            wait_port(rport)
            env["REDIS_URL"] = f"redis://127.0.0.1:{rport}/0"
            mode = "Celery worker via Redis"
        path, component_id = setup_data(env)
        if "REDIS_URL" in env:
            procs.append(subprocess.Popen(
                [str(BIN / "celery"), "-A", "parlons.platform", "worker", "-c", "1", "-l",
                 "warning"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "parlons.platform.wsgi:application", "-b",
             f"127.0.0.1:{port}", "-w", "2", "-k", "gthread", "--threads", str(args.threads),
             "--keep-alive", "30", "--log-level", "warning"], env=env, cwd=ROOT))
        wait_port(port)
        warm_up(f"http://127.0.0.1:{port}{path}")
        worker = procs[-2] if "REDIS_URL" in env else None
        start: dict[str, object] = {}

        def on_start() -> None:  # the clock starts: CPU counters of server, worker, client
            start.update(cpu=server_cpu(procs[-1].pid),
                         worker=server_cpu(worker.pid) if worker else 0.0,
                         client=resource.getrusage(resource.RUSAGE_SELF))

        workers, elapsed = asyncio.run(run_clients(port, path, clients, seconds, args.think,
                                                   on_start))
        cpu0, worker_cpu0, client_cpu0 = start["cpu"], start["worker"], start["client"]
        cpu = server_cpu(procs[-1].pid) - cpu0
        worker_cpu = (server_cpu(worker.pid) - worker_cpu0) if worker else 0.0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (usage.ru_utime + usage.ru_stime - client_cpu0.ru_utime
                      - client_cpu0.ru_stime)
        time.sleep(1.0)
        check = verify(env, component_id, workers)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    lat = [x for w in workers for x in w.latencies]
    n = len(lat)
    ok = sum(len(w.latencies) for w in workers) - sum(
        v for w in workers for k, v in w.kinds.items() if k.startswith("HTTP"))
    kinds: dict[str, int] = {}
    for w in workers:
        for k, v in w.kinds.items():
            kinds[k] = kinds.get(k, 0) + v
    print(f"clients {clients}, {seconds:.0f} s, 2 gunicorn processes × {args.threads} threads, "
          f"PostgreSQL, think time {args.think:g} s, recompute: {mode}")
    print(f"{'successful votes':<28}{ok:>10}")
    print(f"{'errors':<28}{sum(w.errors for w in workers):>10}  {kinds or ''}")
    print(f"{'throughput (votes/s)':<28}{ok / elapsed:>10.1f}")
    for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        print(f"{'latency ' + name + ' (ms)':<28}{1000 * percentile(lat, q):>10.1f}")
    print(f"{'max latency (ms)':<28}{1000 * max(lat, default=0):>10.1f}")
    print(f"{'wall time (s)':<28}{elapsed:>10.1f}")
    print(f"{'server CPU (s)':<28}{cpu:>10.1f}")
    print(f"{'server CPU (ms per vote)':<28}{1000 * cpu / max(n, 1):>10.1f}")
    print(f"{'Celery worker CPU (s)':<28}{worker_cpu:>10.1f}")
    print(f"{'client CPU (s)':<28}{client_cpu:>10.1f}")
    print(f"{'load average (1 min)':<28}{os.getloadavg()[0]:>10.1f}")
    print(f"{'maps computed (votes)':<28}{check['map_votes']:>10}")
    print(f"{'rows in DB':<28}{check['rows']:>10}")
    print(f"{'acknowledged pairs':<28}{check['acked']:>10}")
    print(f"{'lost / wrong votes':<28}{check['lost']:>10}")
    return 0 if check["lost"] == 0 and check["rows"] == check["acked"] else 1


def verify(env: dict[str, str], component_id: int, workers: list[Participant]) -> dict[str, int]:
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                           "SECRET_KEY")})
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from parlons.platform.opinions.models import OpinionMap, Vote

    rows = {(b, s): v for b, s, v in Vote.objects.filter(component_id=component_id)
            .values_list("participant__browser_id", "statement_id", "value")}
    acked = {(w.browser_id, s): v for w in workers for s, v in w.acked.items()}
    lost = sum(1 for key, v in acked.items() if rows.get(key) != v)
    lost += sum(1 for key in rows if key not in acked)
    m = OpinionMap.objects.filter(component_id=component_id).first()
    return {"rows": len(rows), "acked": len(acked), "lost": lost,
            "map_votes": m.n_votes if m else 0}


if __name__ == "__main__":
    sys.exit(main())
