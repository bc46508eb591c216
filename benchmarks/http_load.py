"""Shared plumbing of the HTTP load benchmarks: a scratch PostgreSQL database, a free port,
waiting for the app server to answer, latency percentiles."""

from __future__ import annotations

import http.client
import socket
import sys
import time
from collections.abc import Callable


def free_port() -> int:
    """A TCP port nobody listens on (never 8000, where the demo may run)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


def on_scratch_postgres(suffix: str, run: Callable[[str], int]) -> int:
    """Run ``run(database_name)`` on a fresh PostgreSQL database, dropped afterwards."""
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL (DATABASE_URL=postgres://...)", file=sys.stderr)
        return 2
    name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"test_{name}_{suffix}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        return run(connection.settings_dict["NAME"])
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def wait_for_server(port: int, path: str = "/theme.css", seconds: float = 60) -> None:
    """Return once the server on 127.0.0.1:``port`` answers ``path``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the app server did not start")


# --- a cheap load client: one process, asyncio, raw keep-alive HTTP/1.1 ----------------------

class HTTPError(Exception):
    """The connection broke or the answer could not be read (the caller retries)."""


class KeepAliveConnection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:``port``, opened on first use and
    after a break. Answers are read by ``Content-Length`` (or chunked, or until close)."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port, self.timeout = port, timeout
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send the bytes of one request; return (status, body). Raises ``HTTPError``."""
        import asyncio

        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), self.timeout)
            self.writer.write(raw)
            return await asyncio.wait_for(self._answer(), self.timeout)
        except (OSError, EOFError, TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, ValueError, IndexError) as error:
            self.close()
            raise HTTPError(str(error)) from error

    async def _answer(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _sep, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"connection":
                close = value == b"close"
        if chunked:
            body = await self._chunks()
        elif length is not None:
            body = await self.reader.readexactly(length)
        else:
            body, close = await self.reader.read(), True
        if close:
            self.close()
        return status, body

    async def _chunks(self) -> bytes:
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def post_bytes(path: str, body: str, headers: dict[str, str]) -> bytes:
    """The bytes of an HTTP/1.1 form POST to 127.0.0.1 (keep-alive)."""
    data = body.encode()
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive",
             "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(data)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def process_cpu(pids) -> float:
    """User + system CPU seconds of the live processes ``pids`` (Linux ``/proc``)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def group_pids(pgid: int) -> list[int]:
    """The live processes of process group ``pgid`` (Linux ``/proc``)."""
    import os

    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            pids.append(int(name))
    return pids


class QueryCounter:
    """A database execute wrapper (``connection.execute_wrapper``) counting the SQL
    statements it sees in ``count``."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        self.count += 1
        return execute(sql, params, many, context)
