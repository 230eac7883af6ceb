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
    with transaction(services.sessions) as s:
        key_id, secret = create_key(s, body.name, body.role)
        services.ledger.append(
            s,
            kind="key.create",
            subject=key_id,
            record={"id": key_id, "role": body.role, "by": who.name},
        )
    return {"id": key_id, "name": body.name, "role": body.role, "key": secret}


@router.get("/v1/keys")
def get_keys(services: ServicesDep, _: Admin) -> list[dict[str, Any]]:
    with services.sessions() as s:
        return [
            {
                "id": k.id,
                "name": k.name,
                "role": k.role,
                "created_at": k.created_at.isoformat(),
                "revoked": k.revoked_at is not None,
            }
            for k in list_keys(s)
        ]


@router.delete("/v1/keys/{key_id}", status_code=204)
def delete_key(key_id: str, services: ServicesDep, who: Admin) -> Response:
    with transaction(services.sessions) as s:
        revoke_key(s, key_id)
        services.ledger.append(
            s, kind="key.revoke", subject=key_id, record={"id": key_id, "by": who.name}
        )
    return Response(status_code=204)
