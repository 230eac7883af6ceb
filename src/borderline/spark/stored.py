"""What a job takes from a Borderline data folder: the active policy, lists and register.

Read once on the driver, then broadcast: a Spark job decides against one version of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from borderline.engine import Engine, ListHit
from borderline.privacy import PriorTransfer
from borderline.screening import WhitelistDecision, whitelist_snapshot


@dataclass
class Snapshot:
    engine: Engine
    lists: list[ListHit] = field(default_factory=list)
    whitelist_entries: list[WhitelistDecision] = field(default_factory=list)
    transfers: list[PriorTransfer] = field(default_factory=list)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``borderline.spark.assess``."""
        return {
            "engine": self.engine,
            "lists": self.lists,
            "whitelist_entries": self.whitelist_entries,
            "transfers": self.transfers,
        }


def snapshot(services: Any) -> Snapshot:
    """The engine with the active policy, live block/allow entries, analyst whitelist
    decisions and the data-flow register, as ``Services`` would use them now."""
    from sqlalchemy import select

    from borderline.privacy import TransferRow, prior_transfer
    from borderline.screening import refresh_whitelist

    with services.sessions() as s:
        engine = services.engine_for(s)
        transfers = [prior_transfer(r) for r in s.scalars(select(TransferRow))]
    now = datetime.now(UTC)
    lists = []
    for e in services.list_entries():
        expires = e.get("expires_at")
        if expires and datetime.fromisoformat(expires) <= now:
            continue
        lists.append(ListHit(e["list"], e["kind"], e["value"], e["action"], e.get("reason")))
    refresh_whitelist(services)
    return Snapshot(
        engine=engine,
        lists=lists,
        whitelist_entries=whitelist_snapshot(),
        transfers=transfers,
    )
