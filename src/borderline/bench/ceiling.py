"""The ceiling for ``borderline bench``: a bare FastAPI app answering the decision request.

It accepts the same ``POST /v1/decisions`` (JSON body, bearer header) that Borderline serves and
returns one fixed JSON decision, doing no work of its own. Served with the same uvicorn
settings and hit by the same client in the same run, its throughput is what this machine, this
server and this load generator can reach at all; Borderline's figure is reported as a ratio to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI

app = FastAPI(title="borderline bench ceiling", docs_url=None, redoc_url=None, openapi_url=None)

_FIXED = {
    "decision_id": "dec_ceiling",
    "outcome": "approve",
    "score": 0,
    "actions": [],
    "reasons": [],
}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/v1/decisions", status_code=201)
async def decide(_order: dict[str, Any] = Body(...)) -> dict[str, Any]:
    # The body is parsed (as any endpoint must) and ignored: the answer is always the same.
    return _FIXED
