"""Aggregates for the analytics page, computed in SQL and cached briefly.

Everything groups on indexed columns; the whole page is a handful of GROUP BY queries, cached
for ``TTL`` seconds because analytics need not be live to the second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from borderline.fraud import psi
from borderline.store.models import DecisionRow, FindingRow, LabelRow, OrderRow
from borderline.store.ports import Storage

log = logging.getLogger(__name__)

TTL = 60.0
_cache: dict[int, tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


_refreshing: set[int] = set()


def summary(services: Storage, days: int = 30) -> dict[str, Any]:
    """Cached aggregates; a stale cache is served at once while a thread refreshes it."""
    key = id(services) * 1000 + days
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < TTL:
            return hit[1]
        if hit and key not in _refreshing:
            _refreshing.add(key)
            threading.Thread(target=_background, args=(services, days, key), daemon=True).start()
        if hit:
            return hit[1]
        warming = key in _refreshing
    if warming:  # the start-up computation is under way: wait for it rather than repeat it
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
            with _lock:
                if key in _cache:
                    return _cache[key][1]
                if key not in _refreshing:
                    break
    return _refresh(services, days, key)


def _refresh(services: Storage, days: int, key: int) -> dict[str, Any]:
    try:
        data = compute(services, days)
        with _lock:
            _cache[key] = (time.monotonic(), data)
        return data
    finally:
        with _lock:
            _refreshing.discard(key)


def _background(services: Storage, days: int, key: int) -> None:
    # A background refresh must never take a process down or leak an error into another
    # thread (e.g. a test that closes its database while we read it); the page will simply
    # compute on demand next time.
    try:
        _refresh(services, days, key)
    except Exception:
        log.debug("analytics refresh failed", exc_info=True)


def warm(services: Storage) -> None:
    """Compute the analytics once in the background so the first visitor does not wait."""
    key = id(services) * 1000 + 30
    with _lock:
        if key in _refreshing or key in _cache:
            return
        _refreshing.add(key)
    threading.Thread(target=_background, args=(services, 30, key), daemon=True).start()


def warmed(services: Storage, days: int = 30) -> bool:
    """Whether the aggregates of ``services`` over ``days`` are computed (``warm`` is done)."""
    with _lock:
        return id(services) * 1000 + days in _cache


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def compute(services: Storage, days: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with services.sessions() as s:
        newest = s.scalar(select(func.max(OrderRow.created_at)))
        if newest is None:
            return {"empty": True}
        newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
        since = (newest - timedelta(days=days - 1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        day = func.substr(func.cast(OrderRow.created_at, _text()), 1, 10)
        by_day: dict[str, Counter[str]] = defaultdict(Counter)
        for d, outcome, n in s.execute(
            select(day, DecisionRow.outcome, func.count())
            .join(DecisionRow, DecisionRow.order_id == OrderRow.id)
            .where(OrderRow.created_at >= since)
            .group_by(day, DecisionRow.outcome)
        ):
            by_day[str(d)][outcome] += n
        days_list = sorted(by_day)
        outcomes = ["approve", "review", "hold", "decline"]
        out["days"] = days_list
        out["series"] = {o: [by_day[d][o] for d in days_list] for o in outcomes}
        out["day_rows"] = [
            {"day": d, "total": sum(by_day[d].values()), **{o: by_day[d][o] for o in outcomes}}
            for d in days_list
        ]
        totals = Counter[str]()
        for outcome, n in s.execute(
            select(DecisionRow.outcome, func.count()).group_by(DecisionRow.outcome)
        ):
            totals[outcome] = n
        out["totals"] = {o: totals[o] for o in outcomes}
        out["total"] = sum(totals.values())

        # Corridor heatmap: volume, intervention rate and labelled fraud rate per route.
        fraud = func.sum(case((LabelRow.is_fraud.is_(True), 1), else_=0))
        rows = s.execute(
            select(
                OrderRow.origin_country,
                OrderRow.destination_country,
                func.count(),
                func.sum(case((DecisionRow.outcome != "approve", 1), else_=0)),
                func.count(LabelRow.id),
                fraud,
            )
            .join(DecisionRow, DecisionRow.order_id == OrderRow.id)
            .outerjoin(LabelRow, LabelRow.order_id == OrderRow.id)
            .group_by(OrderRow.origin_country, OrderRow.destination_country)
        ).all()
        origins = sorted({r[0] for r in rows})
        dests = sorted({r[1] for r in rows})
        cells = {
            (r[0], r[1]): {
                "n": r[2],
                "flagged": int(r[3] or 0),
                "labelled": r[4],
                "fraud": int(r[5] or 0),
            }
            for r in rows
        }
        for c in cells.values():
            c["rate"] = round(100 * c["flagged"] / c["n"], 1) if c["n"] else 0.0
        out["corridors"] = {
            "origins": origins,
            "dests": dests,
            "cells": cells,
            "top": max((c["rate"] for c in cells.values()), default=0.0),
        }

        # Top findings with precision from labels (labelled fraud / labelled).
        top = s.execute(
            select(FindingRow.code, func.count())
            .group_by(FindingRow.code)
            .order_by(func.count().desc())
            .limit(12)
        ).all()
        prec: dict[str, tuple[int, int]] = {}
        for code, labelled, frauds in s.execute(
            select(
                FindingRow.code,
                func.count(LabelRow.id),
                func.sum(case((LabelRow.is_fraud.is_(True), 1), else_=0)),
            )
            .join(DecisionRow, DecisionRow.id == FindingRow.decision_id)
            .join(LabelRow, LabelRow.order_id == DecisionRow.order_id)
            .group_by(FindingRow.code)
        ):
            prec[code] = (labelled, int(frauds or 0))
        out["top_findings"] = [
            {
                "code": c,
                "n": n,
                "labelled": prec.get(c, (0, 0))[0],
                "precision": (
                    round(100 * prec[c][1] / prec[c][0], 1) if prec.get(c, (0, 0))[0] else None
                ),
            }
            for c, n in top
        ]

        # Score distribution in 10-point buckets, overall and for the last 7 days (drift).
        counts = [0] * 10
        recent = [0] * 10
        week = datetime.now(UTC) - timedelta(days=7)
        # Group on the rounded score (same on SQLite and PostgreSQL), bucket in Python.
        b = func.round(DecisionRow.score)
        for k, n, r in s.execute(
            select(
                b, func.count(), func.sum(case((DecisionRow.created_at >= week, 1), else_=0))
            ).group_by(b)
        ):
            i = min(int(k or 0) // 10, 9)
            counts[i] += n
            recent[i] += int(r or 0)
        out["scores"] = counts
        out["scores_recent"] = recent
        out["score_labels"] = [f"{i * 10}–{i * 10 + 9}" if i < 9 else "90–100" for i in range(10)]
        # Screening hit rate per list: share of decisions with a hit on that list.
        out["screening"] = [
            {
                "list": code.removeprefix("screening.sanctions."),
                "n": n,
                "rate": round(100 * n / out["total"], 2) if out["total"] else 0.0,
            }
            for code, n in s.execute(
                select(FindingRow.code, func.count(func.distinct(FindingRow.decision_id)))
                .where(
                    FindingRow.code > "screening.sanctions.",
                    FindingRow.code < "screening.sanctions/",
                )
                .group_by(FindingRow.code)
                .order_by(func.count(func.distinct(FindingRow.decision_id)).desc())
            )
        ]
        out["labels"] = dict(
            s.execute(select(LabelRow.kind, func.count()).group_by(LabelRow.kind)).all()
        )
        out.update(_recent_bodies(s))
    return out


RECENT = 2000  # decisions whose bodies are read for rule and model-score statistics


def _recent_bodies(s: Any) -> dict[str, Any]:
    """Rules that fired and model scores, from the newest decisions' bodies.

    Rules and signals live inside the decision body, not in indexed columns, so these figures
    come from the newest ``RECENT`` decisions (read once per refresh, in the background).
    """
    rows = s.execute(
        select(DecisionRow.order_id, DecisionRow.body)
        .order_by(DecisionRow.created_at.desc())
        .limit(RECENT)
    ).all()
    labelled = (
        dict(
            s.execute(
                select(LabelRow.order_id, LabelRow.is_fraud).where(
                    LabelRow.order_id.in_([r[0] for r in rows])
                )
            ).all()
        )
        if rows
        else {}
    )
    fired: Counter[str] = Counter()
    hit_labelled: Counter[str] = Counter()
    hit_fraud: Counter[str] = Counter()
    scores: dict[str, list[float]] = defaultdict(list)
    for order_id, body in reversed(rows):  # oldest first, so halves compare old vs new
        for r in body.get("rules", []):
            name = str(r.get("rule"))
            fired[name] += 1
            if order_id in labelled:
                hit_labelled[name] += 1
                hit_fraud[name] += bool(labelled[order_id])
        for k, v in (body.get("signals") or {}).items():
            if k.endswith(".score") and isinstance(v, int | float) and not isinstance(v, bool):
                scores[k].append(float(v))
    rules = [
        {
            "rule": name,
            "n": n,
            "labelled": hit_labelled[name],
            "precision": round(100 * hit_fraud[name] / hit_labelled[name], 1)
            if hit_labelled[name]
            else None,
        }
        for name, n in fired.most_common(12)
    ]
    models = []
    for name, vals in sorted(scores.items()):
        top = max(100.0, max(vals)) if max(vals) > 1 else 1.0

        half = len(vals) // 2
        older, newer = _buckets(vals[:half], top), _buckets(vals[half:], top)
        models.append(
            {
                "name": name,
                "n": len(vals),
                "all": _buckets(vals, top),
                "labels": [f"{i * top / 10:g}" for i in range(10)],
                "psi": round(psi(older, newer), 3) if half else None,
            }
        )
    return {"rules": rules, "models": models, "recent": len(rows)}


def _buckets(xs: list[float], top: float) -> list[int]:
    out = [0] * 10
    for x in xs:
        out[max(0, min(int(10 * x / top), 9))] += 1
    return out


def _text() -> Any:
    from sqlalchemy import String

    return String()
