"""Shared helpers for sub-commands: clear errors instead of tracebacks."""

from __future__ import annotations

import sys


class UserError(Exception):
    """An error caused by the user's input, printed without a traceback (exit status 2)."""


def fail(message: str) -> int:
    """Print ``message`` on standard error and return the exit status for bad input."""
    print(f"error: {message}", file=sys.stderr)
    return 2
