"""Shared helpers for the budgeting tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pabulib"
PB = DATA / "pb"
LARGE = DATA / "large"


def pb_files() -> list[Path]:
    files = sorted(PB.glob("*.pb"))
    assert len(files) >= 389, f"shared Pabulib data missing under {PB}"
    return files


def make_pb(budget: int, projects: list[tuple], votes: list[tuple], vote_type: str = "approval",
            extra_meta: str = "", points: bool = False) -> str:
    """Build a small Pabulib text: projects are (id, cost[, name]), votes (id, 'a,b'[, pts])."""
    lines = ["META", "key;value", "description;test", "country;Nowhere", "unit;Test",
             "instance;2024", f"num_projects;{len(projects)}", f"num_votes;{len(votes)}",
             f"budget;{budget}", f"vote_type;{vote_type}", "rule;greedy",
             "date_begin;2024", "date_end;2024", "currency;EUR"]
    if extra_meta:
        lines += extra_meta.strip().splitlines()
    lines += ["PROJECTS", "project_id;cost;name"]
    for p in projects:
        name = p[2] if len(p) > 2 else f"project {p[0]}"
        lines.append(f"{p[0]};{p[1]};{name}")
    lines += ["VOTES", "voter_id;vote;points" if points else "voter_id;vote"]
    for v in votes:
        lines.append(";".join(str(x) for x in v))
    return "\n".join(lines) + "\n"


def with_categories(text: str, categories: dict[str, str]) -> str:
    """A :func:`make_pb` text with a ``category`` column: project name → its category."""
    text = text.replace("project_id;cost;name", "project_id;cost;name;category")
    for name, category in categories.items():
        text = text.replace(f";{name}\n", f";{name};{category}\n")
    return text


def meta_of(path: Path) -> dict[str, str]:
    """The META section of a file, read cheaply (no parsing of the votes)."""
    meta: dict[str, str] = {}
    with open(path, encoding="utf-8-sig") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if line == "PROJECTS":
                break
            key, _, value = line.partition(";")
            meta[key] = value
    return meta
