"""Where the shared Polis data lives (read in place; missing data must fail, not skip)."""

from pathlib import Path

POLIS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "polis"


def conversation_dir(name: str) -> Path:
    path = POLIS / name
    assert path.is_dir(), f"shared Polis data missing: {path}"
    return path
