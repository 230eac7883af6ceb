"""False-positive decisions: "party P is not list entity E", by an analyst, until an expiry.

The decisions live in the ``screening_whitelist`` table (see ``service.py``); the assessor reads
them from this in-memory snapshot, which the service refreshes after every change, so
screening an order never waits on the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from borderline.text import normalize


def party_key(name: str, *, customer_id: str | None = None, dob: str | None = None) -> str:
    """Who a whitelist decision is about: the customer id when known, else name (+ birth date)."""
    if customer_id:
        return f"customer:{customer_id}"
    key = f"name:{normalize(name)}"
    return f"{key}|{dob}" if dob else key


def name_only(key: str) -> bool:
    """A decision keyed on a name alone (``name:john smith``) would clear every party with that
    name. New ones are refused; ones stored before that are kept but no longer honoured."""
    return key.startswith("name:") and "|" not in key


NAME_ONLY_REASON = (
    "keyed on a name alone, it would clear every party with that name: no longer honoured; "
    "decide again with the customer id or the date of birth"
)


@dataclass(frozen=True, slots=True)
class Decision:
    party_key: str
    list_name: str
    source_id: str
    reason: str
    expires_at: datetime | None
    id: int | None = None

    @property
    def honoured(self) -> bool:
        return not name_only(self.party_key)


_lock = threading.Lock()
_entries: dict[tuple[str, str, str], Decision] = {}


def replace_all(decisions: list[Decision]) -> None:
    with _lock:
        _entries.clear()
        for d in decisions:
            _entries[(d.party_key, d.list_name, d.source_id)] = d


def lookup(
    keys: list[str], list_name: str, source_id: str, now: datetime | None = None
) -> Decision | None:
    """The unexpired decision covering any of ``keys`` and this entity, if one exists.

    Name-only decisions are never returned (see :func:`name_only`); :func:`unhonoured`
    reports them.
    """
    now = now or datetime.now(UTC)
    with _lock:
        for k in keys:
            d = _entries.get((k, list_name, source_id))
            if d is not None and d.honoured and (d.expires_at is None or d.expires_at > now):
                return d
    return None


def unhonoured(
    keys: list[str], list_name: str, source_id: str, now: datetime | None = None
) -> Decision | None:
    """An unexpired name-only decision on this entity that :func:`lookup` no longer honours."""
    now = now or datetime.now(UTC)
    with _lock:
        for k in keys:
            d = _entries.get((k, list_name, source_id))
            if d is not None and not d.honoured and (d.expires_at is None or d.expires_at > now):
                return d
    return None


def snapshot() -> list[Decision]:
    """Every decision held now (a Spark job ships them to its tasks)."""
    with _lock:
        return list(_entries.values())
