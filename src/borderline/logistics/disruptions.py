"""Current corridor disruptions as dated data: which chokepoint or port, what status, since and
until when, on whose word.

The shipped list (``data/disruptions.yaml``, data set ``corridor-disruptions``) is what the
logistics assessor uses for every order's corridor status; ``borderline data update
disruptions FILE`` installs a user's newer copy. A disruption is active on an order's date when
``start <= date`` and (``end`` is empty or ``date < end``); it reaches an order when its ``node``
is on the order's route. Statuses:

- ``diverted``: routes through the node take their alternative (``network.yaml``); the transit
  time is the alternative route's, so the extra days come from the route table, not a guess;
- ``closed``: routes through the node cannot run; the shipment waits (``hold_shipment``);
- ``delayed``: routes through the node run, ``added_days`` later.

Every entry cites at least one dated source; the file's ``published`` date is that of the newest
source checked, and decisions made long after it say so (a freshness finding).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from borderline.errors import DataFileError, from_validation
from borderline.files import existing_file
from borderline.refdata import datasets

DATASET = "corridor-disruptions"
FORMAT = "borderline.disruptions/1"


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_M):
    date: date
    source: str = Field(min_length=1)
    url: str | None = None
    text: str = Field(min_length=1)


class Disruption(_M):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    node: str = Field(description="node id in network.yaml (chokepoint, port, airport)")
    status: Literal["diverted", "closed", "delayed"]
    start: date
    end: date | None = None
    added_days: float | None = Field(default=None, gt=0, le=365)
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Disruption:
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        if (self.status == "delayed") != (self.added_days is not None):
            raise ValueError("added_days is given for, and only for, a delayed status")
        return self

    def active(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on < self.end)

    def evidence(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "node": self.node,
            "status": self.status,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "added_days": self.added_days,
            "sources": [
                {"date": s.date.isoformat(), "source": s.source, "url": s.url} for s in self.sources
            ],
        }


class DisruptionList(_M):
    format: Literal["borderline.disruptions/1"]
    published: date = Field(description="date of the newest source checked")
    disruptions: list[Disruption]

    @model_validator(mode="after")
    def _unique(self) -> DisruptionList:
        ids = [d.id for d in self.disruptions]
        if len(set(ids)) != len(ids):
            raise ValueError("disruption ids must be unique")
        newest = max((s.date for d in self.disruptions for s in d.sources), default=None)
        if newest is not None and newest > self.published:
            raise ValueError(f"a source of {newest} is newer than published {self.published}")
        return self

    def on(self, when: date, nodes: set[str]) -> list[Disruption]:
        """The disruptions active on ``when`` at any of ``nodes``."""
        return [d for d in self.disruptions if d.node in nodes and d.active(when)]


def parse_disruptions(text: str, where: str) -> DisruptionList:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataFileError(f"invalid YAML: {exc}", where=where) from None
    if not isinstance(data, dict):
        raise DataFileError("a disruption list is a YAML mapping", where=where)
    try:
        return DisruptionList.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc, f"{where}: ", default_where=where, error=DataFileError) from None


def read_disruptions(path: Path) -> DisruptionList:
    text = existing_file(path).read_text(encoding="utf-8")
    return parse_disruptions(text, str(path))


@datasets.on_update
@cache
def current_disruptions() -> DisruptionList:
    """The user's updated list if installed, else the shipped one."""
    return read_disruptions(datasets.path(DATASET))


__all__ = [
    "DATASET",
    "Disruption",
    "DisruptionList",
    "current_disruptions",
    "parse_disruptions",
    "read_disruptions",
]
