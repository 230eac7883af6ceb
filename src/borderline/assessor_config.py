"""Versions of the engine configuration (assessor settings and seller profile), stored and
activated like policies: a draft is checked when written, a second person activates it (four
eyes), every step is in the audit ledger, and the running engine is rebuilt from the active
version. Functions take the core ``Services``, as ``borderline.cases.service`` does.

Versions live in the policies table under the name ``assessors`` (one row per version, with
source, hash, author, activation), so they need no table of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from borderline.engine_config import EngineConfig, check_config, parse_config
from borderline.errors import Conflict, NotFound
from borderline.model.identity import same_person
from borderline.store import transaction
from borderline.store.models import PolicyRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from borderline.service import Services

CONFIG_NAME = "assessors"


def _iso(dt: datetime | None) -> str | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if dt is None:
        return None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).isoformat()


def _dict(r: PolicyRow, source: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "version": r.version,
        "status": r.status,
        "author": r.author,
        "created_at": _iso(r.created_at),
        "comment": r.comment,
        "sha256": r.source_hash,
        "activated_by": r.activated_by,
        "activated_at": _iso(r.activated_at),
    }
    if source:
        d["source"] = r.source
    return d


def _draft_record(r: PolicyRow) -> dict[str, Any]:
    # only what never changes after the draft: the ledger re-checks it later
    return {"name": r.name, "version": r.version, "sha256": r.source_hash, "author": r.author}


def _activate_record(r: PolicyRow) -> dict[str, Any]:
    return {
        "name": r.name,
        "version": r.version,
        "sha256": r.source_hash,
        "activated_by": r.activated_by,
        "activated_at": _iso(r.activated_at),
    }


def active_row(s: Session) -> PolicyRow | None:
    return s.scalars(
        select(PolicyRow).where(PolicyRow.name == CONFIG_NAME, PolicyRow.status == "active")
    ).first()


def active_config(services: Services) -> tuple[int | None, EngineConfig]:
    """The active version and its configuration (version None: nothing stored, defaults)."""
    with services.sessions() as s:
        row = active_row(s)
        if row is None:
            return None, EngineConfig()
        return row.version, parse_config(row.source)


def ensure_config(services: Services, path: str | None) -> None:
    """On first start, install the configured file (if any) as active version 1."""
    if not path:
        return
    source = Path(path).read_text(encoding="utf-8")
    with transaction(services.sessions) as s:
        if s.scalar(
            select(func.count()).select_from(PolicyRow).where(PolicyRow.name == CONFIG_NAME)
        ):
            return
    check_config(source)
    now = datetime.now(UTC)
    with transaction(services.sessions) as s:
        row = PolicyRow(name=CONFIG_NAME, version=1, status="active", source=source,
                        source_hash=hashlib.sha256(source.encode()).hexdigest(), author="system",
                        created_at=now, comment=f"initial configuration from {path}",
                        activated_by="system", activated_at=now)  # fmt: skip
        s.add(row)
        s.flush()
        services.ledger.append(
            s, kind="config.draft", subject=f"{CONFIG_NAME}@1", record=_draft_record(row)
        )
        services.ledger.append(
            s, kind="config.activate", subject=f"{CONFIG_NAME}@1", record=_activate_record(row)
        )


def draft(
    services: Services, source: str, author: str, comment: str | None = None
) -> dict[str, Any]:
    check_config(source)
    with transaction(services.sessions) as s:
        last = (
            s.scalar(select(func.max(PolicyRow.version)).where(PolicyRow.name == CONFIG_NAME)) or 0
        )
        row = PolicyRow(name=CONFIG_NAME, version=last + 1, status="draft", source=source,
                        source_hash=hashlib.sha256(source.encode()).hexdigest(), author=author,
                        created_at=datetime.now(UTC), comment=comment)  # fmt: skip
        s.add(row)
        s.flush()
        services.ledger.append(
            s,
            kind="config.draft",
            subject=f"{CONFIG_NAME}@{row.version}",
            record=_draft_record(row),
        )
        return _dict(row)


def activate(
    services: Services, version: int, actor: str, *, acting_for: Sequence[str] = ()
) -> dict[str, Any]:
    """Make a draft live; the author may not approve it (four eyes, as for policies: neither
    ``actor`` nor anyone in ``acting_for`` — the minter of the key used — may be the author,
    whatever the letter case). Rebuilds the engine."""
    with transaction(services.sessions) as s:
        row = s.scalars(
            select(PolicyRow)
            .where(PolicyRow.name == CONFIG_NAME, PolicyRow.version == version)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no configuration version {version}")
        if row.status != "draft":
            raise Conflict(f"version {version} is {row.status}, not a draft", where="status")
        if any(same_person(row.author, p) for p in (actor, *acting_for)):
            raise Conflict(
                f"{actor} wrote version {version}; another person must activate it (four eyes)",
                where="actor",
            )
        check_config(row.source)  # the installed assessors may have changed since the draft
        old = active_row(s)
        if old is not None:
            old.status = "retired"
        row.status, row.activated_by, row.activated_at = "active", actor, datetime.now(UTC)
        s.flush()
        services.ledger.append(
            s,
            kind="config.activate",
            subject=f"{CONFIG_NAME}@{row.version}",
            record=_activate_record(row),
        )
        out = _dict(row)
    services.reload_engine()
    return out


def get(services: Services, version: int | None = None) -> dict[str, Any]:
    with services.sessions() as s:
        row = (
            active_row(s)
            if version is None
            else s.scalars(
                select(PolicyRow).where(PolicyRow.name == CONFIG_NAME, PolicyRow.version == version)
            ).first()
        )
        if row is None:
            raise NotFound("no configuration" + (f" version {version}" if version else " active"))
        return _dict(row, source=True)


def versions(services: Services) -> list[dict[str, Any]]:
    with services.sessions() as s:
        rows = s.scalars(
            select(PolicyRow).where(PolicyRow.name == CONFIG_NAME).order_by(PolicyRow.version)
        )
        return [_dict(r) for r in rows]


def _row(s: Session, subject: str) -> PolicyRow | None:
    name, _, v = subject.partition("@")
    return s.scalars(
        select(PolicyRow).where(PolicyRow.name == name, PolicyRow.version == int(v))
    ).first()


def register_ledger(ledger: Any) -> None:
    """Let ``ledger verify`` re-check configuration drafts and activations."""
    ledger.register_resolver(
        "config.draft", lambda s, subj: _draft_record(r) if (r := _row(s, subj)) else None
    )
    ledger.register_resolver(
        "config.activate", lambda s, subj: _activate_record(r) if (r := _row(s, subj)) else None
    )
