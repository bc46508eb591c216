"""The functional core stays free of Django; the command line finds every sub-command."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import parlons.core

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_every_core_package_imports_without_django_settings():
    packages = [m.name for m in pkgutil.iter_modules(parlons.core.__path__)]
    code = ("import importlib, sys\n"
            f"for name in {packages!r}:\n"
            "    importlib.import_module('parlons.core.' + name)\n"
            "if 'django' in sys.modules:\n"
            "    raise SystemExit('django was imported')\n")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr


def test_command_line_lists_its_sub_commands():
    result = subprocess.run([sys.executable, "-m", "parlons.cli", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "manage" in result.stdout
