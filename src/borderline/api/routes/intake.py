"""Order and dispute intake: Shopify, WooCommerce and Stripe webhooks.

These routes take no API key: each authenticates the request by the platform's HMAC signature
over the raw body with the secret configured for it (401 otherwise, nothing stored).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from borderline import intake
from borderline.api.deps import ServicesDep
from borderline.intake import enabled as writeback_enabled

router = APIRouter(tags=["intake"])

SIGNED: dict[int | str, dict[str, Any]] = {
    401: {"description": "the platform signature does not verify; nothing was stored"}
}


@router.post("/v1/intake/shopify", responses=SIGNED)
async def shopify(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Shopify ``orders/create``, signed with ``X-Shopify-Hmac-Sha256``."""
    body = await request.body()
    return await run_in_threadpool(intake.receive_shopify, services, body, request.headers)


@router.post("/v1/intake/woocommerce", responses=SIGNED)
async def woocommerce(request: Request, services: ServicesDep) -> dict[str, Any]:
    """WooCommerce ``order.created``, signed with ``X-WC-Webhook-Signature``."""
    body = await request.body()
    return await run_in_threadpool(intake.receive_woocommerce, services, body, request.headers)


@router.post("/v1/intake/stripe", responses=SIGNED)
async def stripe(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Stripe ``charge.dispute.created`` / ``charge.dispute.closed``, with ``Stripe-Signature``."""
    body = await request.body()
    return await run_in_threadpool(intake.receive_stripe, services, body, request.headers)


def install(app: FastAPI) -> None:
    if not writeback_enabled():
        return
    loop = intake.WritebackLoop(app.state.services.sessions)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[Any]:
        loop.start()
        try:
            async with inner(a) as state:
                yield state
        finally:
            loop.stop()

    app.router.lifespan_context = lifespan
