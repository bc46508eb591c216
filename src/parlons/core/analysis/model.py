"""Data model of the analysis bench: contributions and read errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Contribution:
    """One free-text contribution ("avis") to a consultation."""

    id: str
    text: str
    title: str = ""
    author: str = ""  # pseudonym only (hashed when read), never a name
    date: str = ""  # ISO 8601 when known
    channel: str = ""  # online, paper, workshop, e-mail...
    question: str = ""  # question or theme it answers
    neighbourhood: str = ""
    votes: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def full_text(self) -> str:
        """Title and text together, as analysed."""
        if self.title and self.title.strip() not in self.text:
            return f"{self.title.strip()}. {self.text}"
        return self.text


@dataclass(frozen=True)
class ReadIssue:
    """A problem found at one place of an input file (1-based line; column name or '')."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


class ContributionReadError(ValueError):
    """The input cannot be read; ``issues`` lists every problem found (nothing is returned)."""

    def __init__(self, path: str, issues: list[ReadIssue]) -> None:
        self.path = path
        self.issues = issues
        shown = "; ".join(str(i) for i in issues[:5])
        more = f" (and {len(issues) - 5} more)" if len(issues) > 5 else ""
        super().__init__(f"{path}: {shown}{more}")


def pseudonymise(value: str, salt: str = "parlons") -> str:
    """A stable pseudonym for an author identifier (never the identifier itself)."""
    value = value.strip()
    if not value:
        return ""
    digest = hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:10]
    return f"a-{digest}"
