"""The audit ledger: signed checkpoint, inclusion and consistency proofs, verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from borderline.api.deps import Admin, Reader, ServicesDep
from borderline.errors import NotFound

router = APIRouter(tags=["ledger"])


@router.get("/v1/ledger/checkpoint", response_class=PlainTextResponse)
def checkpoint(services: ServicesDep, _: Reader) -> str:
    """A C2SP signed note (text/plain) for the log as it is now. Reading writes nothing: the
    stored checkpoint for the current size, or a note signed in memory."""
    with services.sessions() as s:
        return services.ledger.current_note(s)[1]


@router.get("/v1/ledger/key")
def key(services: ServicesDep, _: Reader) -> dict[str, str]:
    """The verifier key (name+hash+base64) for checking checkpoints offline."""
    return {"verifier_key": services.ledger.verifier, "origin": services.ledger.origin}


@router.get("/v1/ledger/proof/inclusion")
def inclusion(
    services: ServicesDep,
    _: Reader,
    index: int = Query(ge=0),
    tree_size: int | None = Query(None, ge=1),
) -> dict[str, Any]:
    with services.sessions() as s:
        return services.ledger.inclusion(s, index, tree_size)


@router.get("/v1/ledger/proof/consistency")
def consistency(
    services: ServicesDep, _: Reader, old: int = Query(ge=1), new: int | None = Query(None, ge=1)
) -> dict[str, Any]:
    with services.sessions() as s:
        return services.ledger.consistency(s, old, new)


@router.get("/v1/ledger/decisions/{decision_id}")
def decision_receipt(decision_id: str, services: ServicesDep, _: Reader) -> dict[str, Any]:
    """A decision's receipt with its inclusion proof against the latest signed checkpoint."""
    decision = services.get_decision(decision_id)
    if decision.receipt is None:
        raise NotFound(f"decision {decision_id!r} has no ledger receipt")
    with services.sessions() as s:
        size, note = services.ledger.current_note(s)
        proof = services.ledger.inclusion(s, decision.receipt.log_index, size)
        return {"receipt": decision.receipt.model_dump(), "checkpoint": note, **proof}


@router.post("/v1/ledger/verify")
def verify(services: ServicesDep, _: Admin) -> dict[str, Any]:
    """Recompute the whole log and every record it commits to (an expensive, admin call)."""
    with services.sessions() as s:
        return services.ledger.verify(s).to_dict()
