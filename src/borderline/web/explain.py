"""Turn a stored decision into the explanation tree the decision page shows, and check receipts.

Findings are grouped by the first part of their taxonomy code, so a domain's findings appear in
its own section as soon as its assessor is installed, with no change here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any

from sqlalchemy.exc import OperationalError

from borderline.ledger import leaf_hash, open_checkpoint, record_hash, verify_inclusion
from borderline.model import Decision
from borderline.service import Services
from borderline.store import transaction
from borderline.store.models import LedgerLeafRow

# section key (code prefix) -> (title, order on the page)
SECTIONS: dict[str, tuple[str, int]] = {
    "screening": ("Sanctions and denied parties", 0),
    "lists": ("Block and allow lists", 1),
    "fraud": ("Fraud", 2),
    "consistency": ("Consistency checks", 3),
    "trade": ("Trade and customs", 4),
    "logistics": ("Logistics", 5),
    "privacy": ("Personal data transfers", 6),
    "assessment": ("Country and corridor risk", 7),
}

# Evidence keys that, when present as a pair, are shown side by side (order value vs list entry).
PAIRS = (("query", "candidate"), ("order", "entry"), ("input", "match"), ("name", "matched_name"))


def _pairs(evidence: dict[str, Any]) -> list[tuple[str, Any, Any]] | None:
    for left, right in PAIRS:
        a, b = evidence.get(left), evidence.get(right)
        if isinstance(a, dict) and isinstance(b, dict):
            keys = list(dict.fromkeys([*a, *b]))
            return [(k, a.get(k), b.get(k)) for k in keys]
    return None


def _hits(evidence: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Screening-style evidence: a list of matches, each naming the order's party and the entry."""
    hits = evidence.get("hits")
    if isinstance(hits, list) and hits and all(isinstance(h, dict) and "name" in h for h in hits):
        return hits
    return None


def can_clear_hits() -> bool:
    """Whether the screening domain offers whitelist decisions to record from a hit."""
    try:
        from borderline.screening import add_whitelist  # noqa: F401
    except Exception:  # the screening domain is optional
        return False
    return True


def build(decision: Decision, order: dict[str, Any]) -> dict[str, Any]:
    sections: dict[str, dict[str, Any]] = {}
    for f in sorted(decision.findings, key=lambda f: -f.score):
        key = f.code.split(".", 1)[0]
        title, rank = SECTIONS.get(key, (key.replace("_", " ").capitalize(), 50))
        sec = sections.setdefault(
            key, {"key": key, "title": title, "rank": rank, "findings": [], "total": 0.0}
        )
        sec["findings"].append(
            {
                "code": f.code,
                "severity": str(f.severity),
                "score": f.score,
                "explanation": f.explanation,
                "assessor": f.assessor,
                "source": f.source,
                "actions": f.actions,
                "signals": f.signals,
                "evidence": {k: v for k, v in f.evidence.items()},
                "pairs": _pairs(f.evidence),
                "hits": _hits(f.evidence),
            }
        )
        sec["total"] += f.score
    ordered = sorted(sections.values(), key=lambda s: (s["rank"], s["key"]))
    for sec in ordered:
        # Model reason codes (fraud's SHAP-style log-odds contributions) as a bar chart.
        sec["reason_bars"] = [
            (f["code"], round(float(f["evidence"]["contribution_logodds"]), 3))
            for f in sec["findings"]
            if isinstance(f["evidence"].get("contribution_logodds"), int | float)
        ]
    contributions = [(r.code, r.contribution) for r in decision.reasons if r.contribution]
    policy = decision.versions.get("policy", "")
    parties = order.get("parties", [])
    shipment = order.get("shipment", {})
    return {
        "sections": ordered,
        "contributions": sorted(contributions, key=lambda x: -x[1])[:15],
        "policy": policy,
        "policy_version": policy.rpartition("@")[2] if "@" in policy else "",
        "rules": [r.model_dump() for r in decision.rules],
        "parties": parties,
        "items": order.get("items", []),
        "payment": order.get("payment") or {},
        "shipment": shipment,
        "transfers": order.get("data_transfers") or order.get("transfers") or [],
        "device": order.get("device") or order.get("session") or {},
    }


def _proof_material(
    services: Services, decision_id: str, index: int
) -> tuple[str, dict[str, Any], bytes, Any]:
    """(signed checkpoint, inclusion proof, leaf bytes, current record), read-only if possible.

    A checkpoint that already covers the receipt is reused, so verifying is a pure read; only
    when none does is a new one signed (a write, retried if SQLite reports a busy database).
    """
    for attempt in range(3):
        try:
            with services.sessions() as s:
                cp_row = services.ledger.latest_checkpoint(s)
            if cp_row is None or cp_row.size <= index:
                with transaction(services.sessions) as s:
                    cp_row = services.ledger.checkpoint(s)
            with services.sessions() as s:
                proof = services.ledger.inclusion(s, index, cp_row.size)
                leaf_row = s.get(LedgerLeafRow, index)
                resolver = services.ledger.resolvers.get("decision")
                record = resolver(s, decision_id) if resolver else None
                leaf = bytes(leaf_row.leaf) if leaf_row is not None else b""
            return cp_row.note, proof, leaf, record
        except OperationalError:
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def verify_receipt(services: Services, ident: str) -> dict[str, Any]:
    """Check a decision's receipt end to end, the way an outside auditor would.

    1. the signed checkpoint verifies under the ledger's public verifier key;
    2. the stored decision still hashes to the record hash in its receipt and its leaf;
    3. the leaf hashes to the receipt's leaf hash;
    4. the inclusion proof leads from that leaf to the signed root.
    The proof and checkpoint are returned too, so the page re-checks step 4 (and, where the
    browser supports Ed25519, step 1) itself.
    """
    decision = services.get_decision(ident)
    receipt = decision.receipt
    steps: list[dict[str, Any]] = []
    if receipt is None:
        return {
            "ok": False,
            "steps": [
                {"name": "receipt", "ok": False, "detail": "this decision has no ledger receipt"}
            ],
        }
    note, proof, leaf, record = _proof_material(services, decision.decision_id, receipt.log_index)
    verifier = services.ledger.verifier
    try:
        cp = open_checkpoint(note, verifier)
        steps.append(
            {
                "name": "checkpoint signature",
                "ok": True,
                "detail": f"signed checkpoint of {cp.size} entries verifies with "
                f"key {verifier.split('+')[0]}",
            }
        )
    except Exception as exc:  # any failure here is a verification failure to show, not a 500
        cp = None
        steps.append({"name": "checkpoint signature", "ok": False, "detail": str(exc)})
    rh = record_hash(record) if record is not None else None
    try:
        leaf_json = json.loads(leaf)
    except ValueError:
        leaf_json = {}
    rec_ok = rh is not None and rh == receipt.record_hash == leaf_json.get("record_sha256")
    steps.append(
        {
            "name": "record unchanged",
            "ok": rec_ok,
            "detail": (
                f"stored decision hashes to {str(rh)[:16]}…, as logged"
                if rec_ok
                else f"stored decision hashes to {str(rh)[:16]}…, but the ledger committed to "
                f"{str(leaf_json.get('record_sha256'))[:16]}…: it was changed after logging"
            ),
        }
    )
    lh = leaf_hash(leaf).hex()
    steps.append(
        {
            "name": "leaf hash",
            "ok": lh == receipt.leaf_hash == proof["leaf_hash"],
            "detail": f"leaf {receipt.log_index} hashes to {lh[:16]}…",
        }
    )
    incl = cp is not None and verify_inclusion(
        receipt.log_index,
        cp.size,
        bytes.fromhex(lh),
        [bytes.fromhex(p) for p in proof["path"]],
        cp.root,
    )
    steps.append(
        {
            "name": "inclusion proof",
            "ok": incl,
            "detail": f"{len(proof['path'])} hashes lead from leaf {receipt.log_index} to "
            f"the signed root of tree size {proof['tree_size']}",
        }
    )
    return {
        "ok": all(st["ok"] for st in steps),
        "steps": steps,
        "index": receipt.log_index,
        "tree_size": proof["tree_size"],
        "leaf_hash": lh,
        "path": proof["path"],
        "checkpoint": note,
        "verifier": verifier,
        "root_b64": base64.b64encode(cp.root).decode() if cp else None,
        "leaf_sha256_check": hashlib.sha256(b"\x00" + leaf).hexdigest() == lh,
    }


def list_imports(services: Services, limit: int = 30) -> list[dict[str, Any]]:
    """Imported sanctions list versions, newest first, each with what changed against the
    version it replaced (added, removed and changed entries, as stored at import)."""
    try:
        from sqlalchemy import select

        from borderline.screening import ListVersionRow
    except Exception:  # the screening domain is optional; its absence is not an error here
        return []
    with services.sessions() as s:
        rows = s.scalars(
            select(ListVersionRow).order_by(ListVersionRow.imported_at.desc()).limit(limit)
        )
        return [
            {
                "list": r.list_name,
                "version": r.version,
                "title": r.title,
                "published": r.published,
                "imported_at": r.imported_at,
                "imported_by": r.imported_by,
                "active": r.active,
                "entities": r.entities,
                "diff": r.diff,
            }
            for r in rows
        ]


def sanctions_status(services: Services) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(list versions with age, whitelist decisions) from the screening domain, if installed."""
    try:
        from borderline.screening import list_status, list_whitelist
    except Exception:  # the screening domain is optional; its absence is not an error here
        return [], []
    versions = list(list_status())
    wl = list(list_whitelist(services))
    return versions, wl
