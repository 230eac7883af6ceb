"""What `ledger verify` covers beyond the log itself: tables whose every row must be logged.

A resolver re-hashes the record one entry committed to; that catches an edited record but not
a row that was never logged, nor a column stored beside the record (a decision's ``outcome``
column beside its logged body) that was edited alone. A ``Coverage`` check walks one table and
reports both: rows with no entry, and columns that disagree with what the logged record says.

Checks are registered on the ``Ledger`` (``register_coverage``) by whoever owns the table:
the core tables in ``borderline.ledger.tables``, domains through the ``borderline.ledger``
entry point group, as they register resolvers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


class NotRecheckable(Exception):
    """Raised by a resolver for an entry whose record cannot be rebuilt from the row (a
    format-1 ``key.create`` committed to who minted the key, which was not stored then).
    ``verify`` counts it under ``unchecked_kinds`` instead of reporting a change."""


@dataclass(frozen=True, slots=True)
class Entry:
    idx: int
    record_sha256: str
    time: str
    version: int


@dataclass
class KindSpan:
    """Where one entry kind starts in the log, and in which formats it was written."""

    first_idx: int
    first_time: str
    count: int = 0
    current_since: int | None = None  # first entry in the current (RFC 8785) format


@dataclass
class LoggedIndex:
    """The newest entry per (kind, subject), filled while ``verify`` walks the leaves."""

    latest: dict[str, dict[str, Entry]] = field(default_factory=dict)
    spans: dict[str, KindSpan] = field(default_factory=dict)

    def add(self, kind: str, subject: str, entry: Entry, current: bool) -> None:
        self.latest.setdefault(kind, {})[subject] = entry
        span = self.spans.get(kind)
        if span is None:
            span = self.spans[kind] = KindSpan(first_idx=entry.idx, first_time=entry.time)
        span.count += 1
        if current and span.current_since is None:
            span.current_since = entry.idx

    def entries(self, kind: str) -> dict[str, Entry]:
        return self.latest.get(kind, {})

    def has(self, kind: str, subject: str) -> bool:
        return subject in self.latest.get(kind, {})


# (session, logged) -> (rows checked, problems)
CoverageCheck = Callable[[Session, LoggedIndex], tuple[int, list[str]]]


@dataclass(frozen=True)
class Coverage:
    table: str
    kinds: tuple[str, ...]
    check: CoverageCheck
    covers: str  # which columns, in words, for the report and the docs

    def run(self, session: Session, logged: LoggedIndex) -> dict[str, Any]:
        rows, problems = self.check(session, logged)
        since = [logged.spans[k] for k in self.kinds if k in logged.spans]
        first = min(since, key=lambda s: s.first_idx) if since else None
        current = [s.current_since for s in since if s.current_since is not None]
        return {
            "table": self.table,
            "kinds": list(self.kinds),
            "covers": self.covers,
            "rows": rows,
            "entries": sum(s.count for s in since),
            "since_index": first.first_idx if first else None,
            "since_time": first.first_time if first else None,
            "rfc8785_since_index": min(current) if current else None,
            "problems": problems,
        }
