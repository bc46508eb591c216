"""Shared plumbing of the HTTP load benchmarks: a scratch PostgreSQL database, and waiting for
the app server to answer."""

from __future__ import annotations

import http.client
import sys
import time
from collections.abc import Callable


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
