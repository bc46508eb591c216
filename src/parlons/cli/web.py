"""``parlons manage ...``: Django's management commands for the platform."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "manage", help="run a Django management command of the platform (migrate, runserver...)"
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parlons.platform.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parlons manage", *args.arguments])
    return 0
