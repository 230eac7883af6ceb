"""Screening operations that touch storage: list imports with version records and continuous
re-screening, list status, updates, and analyst whitelist decisions (ledger-recorded).

Called by the CLI and the API; each takes a ``Storage`` (sessions and the ledger).
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, overload

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from borderline.errors import Conflict, InvalidInput, NotFound, Unavailable
from borderline.ledger import Ledger
from borderline.screening import whitelist
from borderline.screening.diff import ListDiff, diff_entities
from borderline.screening.index import Query, ScreeningIndex
from borderline.screening.loaders import LoadedList, load
from borderline.screening.matcher import THRESHOLD
from borderline.screening.registry import (
    active_imports,
    current_index,
    load_import,
    load_snapshot,
    manifest,
    store_import,
)
from borderline.screening.store import HitRow, ListVersionRow, WhitelistRow
from borderline.store.db import transaction
from borderline.store.ports import LedgerAppender, Storage


def previous_version(name: str) -> LoadedList | None:
    """The list called ``name`` that is active now (imported, else shipped), if any."""
    imports = active_imports()
    if name in imports:
        return load_import(name, imports[name])
    snap = load_snapshot(name)
    return snap[0] if snap else None


def import_list(
    path: str | Path,
    *,
    format: str | None = None,
    list_name: str | None = None,
    published: date | None = None,
    rescreen: bool = True,
    actor: str = "cli",
    services: Storage,
) -> dict[str, Any]:
    """Parse a list completely, make it active, record the version in the database and the
    ledger, and re-screen stored parties against what changed. Raises before changing anything
    if the file is bad; the previous version then stays active."""
    loaded = load(path, format, list_name=list_name, published=published)
    previous = previous_version(loaded.name)
    d = diff_entities(previous.entities, loaded.entities) if previous else None
    with transaction(services.sessions) as s:
        s.execute(
            update(ListVersionRow)
            .where(ListVersionRow.list_name == loaded.name)
            .values(active=False)
        )
        s.add(
            ListVersionRow(
                list_name=loaded.name,
                version=loaded.version,
                title=loaded.title,
                format=loaded.format,
                published=loaded.published,
                entities=len(loaded.entities),
                fingerprint=loaded.fingerprint,
                source=loaded.source,
                imported_at=datetime.now(UTC),
                imported_by=actor,
                active=True,
                diff=d.to_dict(limit=50) if d else None,
            )
        )
        services.ledger.append(
            s,
            kind="screening.list_update",
            subject=f"{loaded.name}@{loaded.version}",
            record={
                "list": loaded.name,
                "version": loaded.version,
                "fingerprint": loaded.fingerprint,
                "entities": len(loaded.entities),
                "published": loaded.published.isoformat() if loaded.published else None,
                "actor": actor,
            },
        )
        # The version file is written inside the transaction: if it fails, the database
        # row rolls back with it; if the commit then failed, the old index key would
        # still be recorded in active.json only for this list, which the next import fixes.
        store_import(loaded)
    report: dict[str, Any] = {
        "list": loaded.name,
        "version": loaded.version,
        "format": loaded.format,
        "entities": len(loaded.entities),
        "published": loaded.published.isoformat() if loaded.published else None,
        "previous": previous.version if previous else None,
        "diff": d.to_dict(limit=20) if d else None,
    }
    if rescreen and d is not None:
        report["rescreen"] = rescreen_orders(services, d, loaded.version)
    # The search index over the new versions is built now, by the import (seconds for the
    # shipped lists), so neither this process's next order nor its list pages wait for it.
    current_index()
    return report


def _parties(payload: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    from borderline.model import Party

    for p in payload.get("parties") or []:
        try:
            yield str(p.get("role", "")), Party.model_validate(p)
        except Exception:  # an old stored payload that no longer validates is skipped
            continue


def rescreen_orders(
    services: Storage, d: ListDiff, version: str, batch: int = 500
) -> dict[str, int]:
    """Continuous screening: stored orders' parties against the added and changed entries
    only (a small index of just those), recording each new hit once."""
    from borderline.screening.assessor import party_keys, party_query
    from borderline.store.models import OrderRow

    touched = d.touched
    out = {"orders": 0, "parties": 0, "new_hits": 0, "entities": len(touched)}
    if not touched:
        return out
    idx = ScreeningIndex.build(
        [
            LoadedList(
                name=touched[0].list,
                title="changed entries",
                format="diff",
                published=None,
                entities=tuple(touched),
                fingerprint=version,
                source="diff",
            )
        ]
    )
    threshold = THRESHOLD
    now = datetime.now(UTC)
    with transaction(services.sessions) as s:
        seen = {
            (h.order_id, h.party_key, h.list_name, h.source_id) for h in s.scalars(select(HitRow))
        }
        offset = 0
        while True:
            rows = s.execute(
                select(OrderRow.id, OrderRow.payload)
                .order_by(OrderRow.id)
                .offset(offset)
                .limit(batch)
            ).all()
            if not rows:
                break
            offset += len(rows)
            for order_id, payload in rows:
                out["orders"] += 1
                for role, party in _parties(payload or {}):
                    out["parties"] += 1
                    keys = party_keys(party)
                    for m in idx.search(party_query(party, threshold, 5)):
                        if whitelist.lookup(keys, m.list, m.source_id, now):
                            continue
                        key = (order_id, keys[0], m.list, m.source_id)
                        if key in seen:
                            continue
                        seen.add(key)
                        s.add(
                            HitRow(
                                order_id=order_id,
                                party_role=role,
                                party_key=keys[0],
                                list_name=m.list,
                                source_id=m.source_id,
                                list_version=version,
                                score=m.score,
                                matched_name=m.matched_name,
                                explanation=m.explanation,
                                found_at=now,
                            )
                        )
                        services.ledger.append(
                            s,
                            kind="screening.rescreen_hit",
                            subject=order_id,
                            record={
                                "order_id": order_id,
                                "list": m.list,
                                "source_id": m.source_id,
                                "score": m.score,
                                "version": version,
                            },
                        )
                        out["new_hits"] += 1
    return out


def hits_for_order(services: Storage, order_id: str) -> list[dict[str, Any]]:
    with services.sessions() as s:
        rows = s.scalars(select(HitRow).where(HitRow.order_id == order_id).order_by(HitRow.id))
        return [
            {
                "order_id": r.order_id,
                "party_role": r.party_role,
                "list": r.list_name,
                "source_id": r.source_id,
                "score": r.score,
                "matched_name": r.matched_name,
                "list_version": r.list_version,
                "found_at": r.found_at.isoformat(),
                "explanation": r.explanation,
            }
            for r in rows
        ]


def list_status(max_age_days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
    """Each active list: version, publication date, age in days, and whether it is stale."""
    today = today or date.today()
    idx = current_index()
    imports = active_imports()
    rows = []
    for info in sorted(idx.lists.values(), key=lambda i: i.name):
        age = (today - date.fromisoformat(info.published)).days if info.published else None
        rows.append(
            {
                "list": info.name,
                "title": info.title,
                "version": info.version,
                "published": info.published,
                "age_days": age,
                "entities": info.entities,
                "origin": "imported" if info.name in imports else "shipped",
                "format": info.format,
                "stale": age is None or age > max_age_days,
            }
        )
    return rows


# Official download locations (see data/PROVENANCE.md); ``lists update`` fetches these.
OFFICIAL: dict[str, tuple[str, list[str]]] = {
    # The XML publications, not the CSV family: only they say which a.k.a.s are weak.
    "us_ofac_sdn": (
        "ofac_xml",
        ["https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.XML"],
    ),
    "us_ofac_cons": (
        "ofac_xml",
        [
            "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
            "CONSOLIDATED.XML"
        ],
    ),
    "un_sc": ("un_xml", ["https://scsanctions.un.org/resources/xml/en/consolidated.xml"]),
    # The FCDO UK Sanctions List; OFSI's Consolidated List closed on 2026-01-28.
    "uk_sl": ("fcdo_xml", ["https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"]),
    "us_csl": (
        "csl",
        ["https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"],
    ),
}


def _online(host: str, timeout: float) -> bool:
    try:
        socket.getaddrinfo(host, 443)
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def update_lists(services: Storage, timeout: float = 5.0) -> Iterator[str]:
    """Download the official files and import each; offline, say so and change nothing."""
    import httpx

    probe = "sanctionslistservice.ofac.treas.gov"
    if not _online(probe, timeout):
        every = "\n  ".join(u for _, us in OFFICIAL.values() for u in us)
        raise Unavailable(
            f"no internet access (cannot reach {probe}); nothing was changed. Download the "
            f"official files on a connected machine and run `borderline lists import PATH`:\n  "
            f"{every}",
            where="lists update",
        )
    for name, (fmt, urls) in OFFICIAL.items():
        with tempfile.TemporaryDirectory() as tmp:
            try:
                for url in urls:
                    r = httpx.get(url, timeout=timeout * 12, follow_redirects=True)
                    r.raise_for_status()
                    (Path(tmp) / url.rsplit("/", 1)[-1].lower()).write_bytes(r.content)
            except httpx.HTTPError as exc:
                yield f"{name}: download failed ({exc}); previous version stays active"
                continue
            target = (
                Path(tmp) if fmt == "ofac_csv" else Path(tmp) / urls[0].rsplit("/", 1)[-1].lower()
            )
            report = import_list(
                target,
                format=fmt,
                list_name=name,
                # Files that carry their own publication date keep it; the OFAC CSV family
                # has none, so the day it was downloaded stands for it.
                published=None
                if fmt in ("ofac_xml", "un_xml", "uk_ofsi", "fcdo_xml", "fcdo_csv")
                else date.today(),
                actor="lists update",
                services=services,
            )
            yield f"{name}: imported {report['version']} ({report['entities']} entries)"


# -- whitelist ----------------------------------------------------------------------------


def refresh_whitelist(services: Storage) -> None:
    now = datetime.now(UTC)
    with services.sessions() as s:
        rows = s.scalars(select(WhitelistRow).where(WhitelistRow.revoked_at.is_(None)))
        whitelist.replace_all(
            [
                whitelist.Decision(
                    r.party_key, r.list_name, r.source_id, r.reason, _aware(r.expires_at), r.id
                )
                for r in rows
                if r.expires_at is None or _aware(r.expires_at) > now
            ]
        )


@overload
def _aware(dt: datetime) -> datetime: ...
@overload
def _aware(dt: None) -> None: ...
def _aware(dt: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes even for timezone-aware columns; they were stored in UTC.
    if dt is not None and dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt


def _wl_dict(r: WhitelistRow) -> dict[str, Any]:
    now = datetime.now(UTC)
    expires = _aware(r.expires_at)
    if r.revoked_at is not None:
        status, why = "revoked", None
    elif expires is not None and expires <= now:
        status, why = "expired", None
    elif whitelist.name_only(r.party_key):
        status, why = "inactive", whitelist.NAME_ONLY_REASON
    else:
        status, why = "active", None
    return {
        "status": status,
        "active": status == "active",
        "inactive_reason": why,
        "id": r.id,
        "party_key": r.party_key,
        "list": r.list_name,
        "source_id": r.source_id,
        "reason": r.reason,
        "created_by": r.created_by,
        "created_at": _aware(r.created_at).isoformat() if r.created_at else None,
        "expires_at": _aware(r.expires_at).isoformat() if r.expires_at else None,
        "revoked_at": _aware(r.revoked_at).isoformat() if r.revoked_at else None,
    }


def add_whitelist(
    services: Storage,
    *,
    party_key: str,
    list_name: str,
    source_id: str,
    reason: str,
    actor: str,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """Record an analyst's decision that ``party_key`` is not entry ``source_id`` of a list."""
    with transaction(services.sessions) as s:
        out = add_whitelist_in(
            s,
            services.ledger,
            party_key=party_key,
            list_name=list_name,
            source_id=source_id,
            reason=reason,
            actor=actor,
            expires_at=expires_at,
        )
    refresh_whitelist(services)
    return out


def add_whitelist_in(
    s: Session,
    ledger: LedgerAppender,
    *,
    party_key: str,
    list_name: str,
    source_id: str,
    reason: str,
    actor: str,
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    """:func:`add_whitelist` in the caller's transaction; the caller then calls
    :func:`refresh_whitelist` once it has committed."""
    if whitelist.name_only(party_key):
        raise InvalidInput(
            f"{party_key!r} is a name alone: a whitelist decision on it would clear every party "
            "with that name; give the customer id or the date of birth",
            where="party",
        )
    idx = current_index()
    if list_name not in idx.lists:
        raise InvalidInput(f"unknown list {list_name!r}; loaded: {sorted(idx.lists)}", where="list")
    if idx.entity(list_name, source_id) is None:
        raise NotFound(f"no entry {source_id!r} on {list_name}", where="source_id")
    if not reason.strip():
        raise InvalidInput("a whitelist decision needs a reason", where="reason")
    now = datetime.now(UTC)
    if expires_at is not None:
        # Stored and hashed in UTC so the ledger record can be rebuilt from the row.
        expires_at = (_aware(expires_at) or now).astimezone(UTC)
        if expires_at <= now:
            raise InvalidInput("expires_at is in the past", where="expires_at")
    existing = s.scalar(
        select(WhitelistRow).where(
            WhitelistRow.party_key == party_key,
            WhitelistRow.list_name == list_name,
            WhitelistRow.source_id == source_id,
            WhitelistRow.revoked_at.is_(None),
        )
    )
    if existing is not None and (existing.expires_at is None or _aware(existing.expires_at) > now):
        raise Conflict(f"already whitelisted (decision {existing.id})", where="source_id")
    row = WhitelistRow(
        party_key=party_key,
        list_name=list_name,
        source_id=source_id,
        reason=reason,
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
    )
    s.add(row)
    s.flush()
    ledger.append(
        s,
        kind="screening.whitelist",
        subject=str(row.id),
        record=_whitelist_record(row),
    )
    return _wl_dict(row)


def revoke_whitelist(services: Storage, decision_id: int, actor: str) -> None:
    with transaction(services.sessions) as s:
        row = s.get(WhitelistRow, decision_id)
        if row is None or row.revoked_at is not None:
            raise NotFound(f"no active whitelist decision {decision_id}", where="id")
        row.revoked_at = datetime.now(UTC)
        row.revoked_by = actor
        services.ledger.append(
            s,
            kind="screening.whitelist_revoke",
            subject=str(decision_id),
            record={"id": decision_id, "actor": actor},
        )
    refresh_whitelist(services)


def list_whitelist(services: Storage) -> list[dict[str, Any]]:
    with services.sessions() as s:
        return [_wl_dict(r) for r in s.scalars(select(WhitelistRow).order_by(WhitelistRow.id))]


def _whitelist_record(r: WhitelistRow) -> dict[str, Any]:
    # Exactly the record hashed into the ledger when the decision was made.
    expires = _aware(r.expires_at)
    return {
        "id": r.id,
        "party_key": r.party_key,
        "list": r.list_name,
        "source_id": r.source_id,
        "reason": r.reason,
        "actor": r.created_by,
        "expires_at": expires.isoformat() if expires else None,
    }


def register_resolvers(ledger: Ledger) -> None:
    """Let ledger proofs show the full record behind screening entries."""

    def whitelist_record(session: Any, subject: str) -> dict[str, Any] | None:
        row = session.get(WhitelistRow, int(subject)) if subject.isdigit() else None
        return _whitelist_record(row) if row is not None else None

    ledger.register_resolver("screening.whitelist", whitelist_record)


def snapshot_info() -> dict[str, Any]:
    return {
        "snapshot_date": manifest().get("snapshot_date"),
        "lists": [asdict(i) for i in current_index().lists.values()],
    }


__all__ = [
    "Query",
    "add_whitelist",
    "import_list",
    "list_status",
    "revoke_whitelist",
    "update_lists",
]
