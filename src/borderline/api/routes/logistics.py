"""Logistics: disruption simulation, shipped scenarios, per-order delay risk.

Thin: each route calls ``borderline.logistics`` and returns its result; domain errors become
4xx in the app's one exception handler.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from borderline.api.deps import Assessor, Reader
from borderline.errors import NotFound

router = APIRouter(tags=["logistics"])

# The API answers while the caller waits: keep one request well under a second or two.
MAX_API_DRAWS = 5000
MAX_API_ORDERS = 20000
MAX_API_MEMORY_MB = 256


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str | dict[str, Any] = Field(
        description="a shipped scenario id (GET /v1/logistics/scenarios) or a scenario object "
        "in the YAML schema of docs/logistics.md"
    )
    orders: list[dict[str, Any]] | None = Field(
        default=None,
        max_length=MAX_API_ORDERS,
        description="orders with the orders-CSV fields; default: the scenario's flow",
    )
    draws: int | None = Field(default=None, ge=1, le=MAX_API_DRAWS)
    seed: int | None = None


class AssessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order: dict[str, Any] = Field(description="an order, as POST /v1/decisions takes it")
    scenarios: list[str] = Field(default_factory=list, max_length=20)


@router.get("/v1/logistics/scenarios")
def scenarios_route(_: Reader) -> list[dict[str, Any]]:
    """Shipped historical scenarios with their published facts."""
    from borderline.logistics import builtin_scenarios, load_scenario

    out = []
    for sid, path in builtin_scenarios().items():
        s = load_scenario(path)
        out.append(
            {
                "id": sid,
                "name": s.name,
                "description": s.description,
                "facts": [f.model_dump() for f in s.facts],
            }
        )
    return out


@router.post("/v1/logistics/simulate")
def simulate_route(body: SimulateRequest, _: Assessor) -> dict[str, Any]:
    """Monte Carlo of a scenario over an order flow; the same result as `logistics simulate`."""
    from borderline import logistics  # logistics.simulate: also a submodule's name
    from borderline.logistics import (
        builtin_scenarios,
        flow_from_records,
        load_scenario,
        parse_scenario,
    )

    if isinstance(body.scenario, str):
        # Shipped ids only: the API must never read a file off the server's disk by name.
        shipped = builtin_scenarios()
        if body.scenario not in shipped:
            raise NotFound(
                f"no shipped scenario {body.scenario!r}; shipped: {sorted(shipped)}",
                where="scenario",
            )
        sc = load_scenario(shipped[body.scenario])
    else:
        sc = parse_scenario(body.scenario, "scenario")
    update: dict[str, Any] = {
        k: v for k, v in (("draws", body.draws), ("seed", body.seed)) if v is not None
    }
    # The server's memory is not the caller's to configure: cap whatever the scenario asks.
    update["max_memory_mb"] = min(sc.simulation.max_memory_mb, MAX_API_MEMORY_MB)
    if sc.simulation.draws > MAX_API_DRAWS and "draws" not in update:
        update["draws"] = MAX_API_DRAWS
    sc = sc.model_copy(update={"simulation": sc.simulation.model_copy(update=update)})
    flow = flow_from_records(body.orders, sc.simulation.start) if body.orders is not None else None
    return logistics.simulate(sc, flow).to_dict()


@router.post("/v1/logistics/assess")
def assess_route(body: AssessRequest, _: Assessor) -> dict[str, Any]:
    """Delay-risk findings for one order under the named active scenarios (no decision stored)."""
    from borderline.logistics import delay_findings

    order, findings = delay_findings(body.order, body.scenarios)
    return {"order_id": order.id, "findings": [f.model_dump(mode="json") for f in findings]}
