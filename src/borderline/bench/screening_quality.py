"""``borderline bench screening-lists``: matching quality measured on the lists' own data.

Pair precision/recall/F1 at the documented threshold on alias groups and near misses, search
recall@5 on the UK's spellings of UN-listed entries, and the decoy alert rate on common
real-world names (see ``screening_devset`` and ``screening_holds``). Optionally nomenklatura's
logic-v2 on the same pairs. Figures are given for the ``dev`` half (looked at while tuning) and
the ``test`` half (not looked at) separately.
"""

from __future__ import annotations

import platform
import random
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from borderline.bench.screening_devset import Pair, SearchCase, build_pairs, cross_list_cases
from borderline.bench.screening_holds import load as load_common
from borderline.screening import (
    ALGORITHM,
    THRESHOLD,
    EntityKind,
    PartialDate,
    Query,
    ScreeningIndex,
    compare,
)

NOMENKLATURA_THRESHOLD = 0.7  # yente's default match threshold for logic-v2


def prf(scores: Sequence[float], labels: Sequence[int], threshold: float) -> dict[str, float]:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "p": p,
        "r": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _kind(k: EntityKind) -> str:
    return k.value if k in (EntityKind.PERSON, EntityKind.ORGANIZATION) else "any"


def score_ours(pairs: Sequence[Pair]) -> list[float]:
    return [compare(p.left, p.right, _kind(p.kind)).score for p in pairs]


def score_logic_v2(pairs: Sequence[Pair]) -> list[float]:
    from borderline.bench.screening import logic_v2

    score = logic_v2()
    return [score(_kind(p.kind), p.left, p.right, f"l{i}", f"r{i}") for i, p in enumerate(pairs)]


def pair_table(pairs: Sequence[Pair], scores: Sequence[float], threshold: float) -> list[str]:
    rows = []
    for split in ("dev", "test"):
        sel = [
            i
            for i, p in enumerate(pairs)
            if p.split == split and p.category not in ("unrelated", "partial")
        ]
        m = prf([scores[i] for i in sel], [pairs[i].label for i in sel], threshold)
        rows.append(
            f"| {split} | {len(sel):,} | {m['p']:.3f} | {m['r']:.3f} | **{m['f1']:.3f}** | "
            f"{m['tp']} | {m['fp']} | {m['fn']} |"
        )
    return rows


def per_category(pairs: Sequence[Pair], scores: Sequence[float], threshold: float) -> list[str]:
    acc: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p, s in zip(pairs, scores, strict=True):
        acc[(p.category, p.kind.value)].append(int((s >= threshold) == bool(p.label)))
    return [
        f"| {cat} | {kind} | {len(v):,} | {sum(v) / len(v):.3f} |"
        for (cat, kind), v in sorted(acc.items())
    ]


def search_recall(cases: Sequence[SearchCase], index: ScreeningIndex, k: int = 5) -> dict[str, Any]:
    found: dict[str, list[int]] = defaultdict(list)
    misses: list[str] = []
    for c in cases:
        ms = index.search(Query(name=c.query, kind=c.kind, country=c.country, dob=c.dob, limit=k))
        keys = {m.entity.key for m in ms} | {key for m in ms for key in m.listing_keys}
        hit = int(c.target in keys)
        found[c.split].append(hit)
        if not hit and len(misses) < 30:
            misses.append(f"{c.query!r} ({c.via}) → {c.target}")
    return {"found": found, "misses": misses}


def decoy_rate(index: ScreeningIndex, seed: int = 3) -> tuple[int, int, list[str]]:
    """Common real-world people with a random adult date of birth and their country."""
    rng = random.Random(seed)
    people = [n for n in load_common() if n.kind == "person"]
    alerts: list[str] = []
    for n in people:
        dob = PartialDate(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        ms = index.search(
            Query(name=n.name, kind=EntityKind.PERSON, country=n.country, dob=dob, limit=1)
        )
        if ms:
            alerts.append(
                f"{n.name} ({n.country}, {dob}) → {ms[0].list}:{ms[0].source_id} "
                f"{ms[0].matched_name!r} {ms[0].score:.2f}"
            )
    return len(alerts), len(people), alerts


def run(*, competitor: bool = False, index: ScreeningIndex | None = None) -> str:
    from borderline.screening import current_index

    index = index or current_index()
    entities = list(index.entities)
    pairs = build_pairs(entities)
    t0 = time.perf_counter()
    ours = score_ours(pairs)
    t_ours = time.perf_counter() - t0
    out = [
        f"## Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (algorithm {ALGORITHM})",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()}. Lists: "
        + ", ".join(f"{i.name} ({i.entities:,}, {i.published})" for i in index.lists.values()),
        "",
        f"Pairs: {len(pairs):,} from the lists' alias groups and near misses "
        f"({t_ours / len(pairs) * 1e6:.0f} µs per pair).",
        "",
        "### Pairs (alias variants, other scripts, near misses; unrelated and partial apart)",
        "",
        "| matcher | half | pairs | precision | recall | F1 | TP | FP | FN |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| Borderline {ALGORITHM} @ {THRESHOLD:.2f} " + r
        for r in pair_table(pairs, ours, THRESHOLD)
    ]
    theirs: list[float] | None = None
    if competitor:
        theirs = score_logic_v2(pairs)
        out += [
            f"| logic-v2 @ {NOMENKLATURA_THRESHOLD:.2f} " + r
            for r in pair_table(pairs, theirs, NOMENKLATURA_THRESHOLD)
        ]
    out += [
        "",
        "Share classified correctly by category (both halves):",
        "",
        "| category | kind | pairs | Borderline |" + (" logic-v2 |" if theirs else ""),
        "|---|---|---|---|" + ("---|" if theirs else ""),
    ]
    ours_cat = per_category(pairs, ours, THRESHOLD)
    if theirs is not None:
        theirs_cat = per_category(pairs, theirs, NOMENKLATURA_THRESHOLD)
        ours_cat = [
            a + " " + b.rsplit("|", 2)[-2].strip() + " |"
            for a, b in zip(ours_cat, theirs_cat, strict=True)
        ]
    out += ours_cat
    cases = cross_list_cases(entities)
    sr = search_recall(cases, index)
    out += [
        "",
        "### Search: the UK's spellings of UN-listed entries, UN entry in the top 5",
        "",
        "| half | queries | recall@5 |",
        "|---|---|---|",
    ]
    for split in ("dev", "test"):
        v = sr["found"][split]
        out.append(f"| {split} | {len(v)} | {sum(v) / max(len(v), 1):.3f} |")
    n_alert, n_people, alerts = decoy_rate(index)
    out += [
        "",
        f"Decoy alert rate (common real-world people with a random date of birth and "
        f"their country): **{n_alert / n_people:.2%}** ({n_alert} of {n_people:,}).",
        "",
    ]
    if sr["misses"]:
        out += ["Search misses (first 30):", ""] + [f"- {m}" for m in sr["misses"]] + [""]
    if alerts:
        out += ["Decoy alerts (first 20):", ""] + [f"- {a}" for a in alerts[:20]] + [""]
    return "\n".join(out) + "\n"
