"""All live block/allow entries in memory: lists are small and read on every order."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from borderline.model import ListHit
from borderline.store.models import ListEntryRow
from borderline.store.ports import SessionFactory
from borderline.store.times import aware


class ListCache:
    """The engine's list provider: reloads at most every ``ttl_seconds``, or when invalidated."""

    ttl_seconds = 5.0

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self._lock = threading.Lock()
        self._loaded_at = 0.0
        self._ever_loaded = False
        self._exact: dict[tuple[str, str], list[ListHit]] = {}
        self._by_value: dict[str, list[ListHit]] = {}
        self._networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ListHit]] = []

    def invalidate(self) -> None:
        self._loaded_at = 0.0

    def _load(self) -> None:
        now = datetime.now(UTC)
        exact: dict[tuple[str, str], list[ListHit]] = defaultdict(list)
        by_value: dict[str, list[ListHit]] = defaultdict(list)
        networks = []
        with self.sessions() as s:
            rows = s.scalars(select(ListEntryRow).where(ListEntryRow.removed_at.is_(None)))
            for r in rows:
                if r.expires_at is not None and aware(r.expires_at) <= now:
                    continue
                hit = ListHit(r.list_name, r.kind, r.value, r.action, r.reason)
                by_value[r.value].append(hit)
                if r.kind == "ip" and "/" in r.value:
                    networks.append((ipaddress.ip_network(r.value, strict=False), hit))
                else:
                    exact[(r.kind, r.value)].append(hit)
        self._exact, self._by_value, self._networks = exact, by_value, networks
        self._loaded_at = time.monotonic()

    @property
    def loaded(self) -> bool:
        return self._ever_loaded

    def refresh(self) -> None:
        """Reload now (at start-up, before readiness says ok)."""
        with self._lock:
            self._load()
            self._ever_loaded = True

    def lookup(self, kind: str, value: str) -> Sequence[ListHit]:
        # One thread reloads; the others keep answering from the current snapshot rather
        # than queue on the lock. Queued threads each held a pooled connection for their order
        # while the reloader waited for one more: at 32 concurrent requests the pool ran dry
        # and everyone timed out. Only the very first load is waited for.
        stale = time.monotonic() - self._loaded_at > self.ttl_seconds
        if stale and self._lock.acquire(blocking=not self._ever_loaded):
            try:
                if time.monotonic() - self._loaded_at > self.ttl_seconds:
                    self._load()
                    self._ever_loaded = True
            finally:
                self._lock.release()
        if kind == "any":
            return self._by_value.get(value, ())
        hits = list(self._exact.get((kind, value), ()))
        if kind == "card_bin":
            # A BIN entry is a prefix: "4111" covers 411111, 41111122, … (issuer ranges).
            for n in range(1, len(value)):
                hits += self._exact.get((kind, value[:n]), ())
        if kind == "ip" and self._networks:
            try:
                addr = ipaddress.ip_address(value)
            except ValueError:
                return hits
            hits += [h for net, h in self._networks if addr.version == net.version and addr in net]
        return hits
