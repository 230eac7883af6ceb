"""API keys (admin only). The secret is shown once, at creation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from borderline.api.deps import Admin, ServicesDep
from borderline.auth import create_key, list_keys, revoke_key
from borderline.store import transaction

router = APIRouter(tags=["keys"])


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(pattern="^(admin|analyst|auditor|service)$")


@router.post("/v1/keys", status_code=201)
def new_key(body: KeyIn, services: ServicesDep, who: Admin) -> dict[str, Any]:
    """Mint a key owned by the caller's person: a second key is never a second pair of eyes.

    Keys for other people are minted by the operator (`borderline keys create --owner`).
    """
    with transaction(services.sessions) as s:
        key_id, secret = create_key(
            s, body.name, body.role, owner=who.person, by=who.person, ledger=services.ledger
        )
    return {
        "id": key_id,
        "name": body.name,
        "role": body.role,
        "owner": who.person,
        "key": secret,
    }


@router.get("/v1/keys")
def get_keys(services: ServicesDep, _: Admin) -> list[dict[str, Any]]:
    with services.sessions() as s:
        return [
            {
                "id": k.id,
                "name": k.name,
                "role": k.role,
                "owner": k.owner or k.name,
                "created_at": k.created_at.isoformat(),
                "revoked": k.revoked_at is not None,
            }
            for k in list_keys(s)
        ]


@router.delete("/v1/keys/{key_id}", status_code=204)
def delete_key(key_id: str, services: ServicesDep, who: Admin) -> Response:
    with transaction(services.sessions) as s:
        revoke_key(s, key_id, by=who.person, ledger=services.ledger)
    services.api_keys.forget(key_id)
    return Response(status_code=204)
