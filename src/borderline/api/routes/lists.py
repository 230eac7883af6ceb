"""Block and allow lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from borderline.api.deps import Reader, ServicesDep, Writer

router = APIRouter(tags=["lists"])


class ListEntryIn(BaseModel):
    list: str = Field(min_length=1, max_length=100, examples=["chargeback-emails"])
    kind: str = Field(
        examples=["email"],
        description="email, email_domain, card, card_bin, "
        "device, ip (address or CIDR), address, country, phone, customer",
    )
    value: str = Field(min_length=1, max_length=500)
    action: str = Field(pattern="^(block|allow)$")
    reason: str | None = Field(default=None, max_length=2000)
    expires_at: datetime | None = None


@router.get("/v1/lists")
def get_entries(
    services: ServicesDep, _: Reader, list: str | None = Query(None)
) -> list[dict[str, Any]]:
    return services.list_entries(list)


@router.post("/v1/lists", status_code=201)
def add_entry(entry: ListEntryIn, services: ServicesDep, who: Writer) -> dict[str, Any]:
    return services.add_list_entry(
        list_name=entry.list,
        kind=entry.kind,
        value=entry.value,
        action=entry.action,
        reason=entry.reason,
        actor=who.name,
        expires_at=entry.expires_at,
    )


@router.delete("/v1/lists/{entry_id}", status_code=204)
def remove_entry(entry_id: int, services: ServicesDep, who: Writer) -> Response:
    services.remove_list_entry(entry_id, who.name)
    return Response(status_code=204)
