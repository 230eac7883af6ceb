"""Dated reference data sets: where each came from, when it was published, when refreshed.

Every value that drives a decision (a tariff rate, an exchange rate, a country indicator) comes
from a data set registered in ``data/datasets.yaml`` with its publisher, licence, publication
date, the date the project last refreshed it and how old it may get before a decision made on
it must say so (``max_age_days``). A user's own newer copy, written by the ``update`` commands
into ``$BORDERLINE_REFDATA_DIR`` (default ``DATA_DIR/refdata``), takes precedence over the
packaged one and carries its own dates in ``<file>.meta.json``.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml

from borderline.errors import DataFileError, NotFound
from borderline.refdata.recheck import Recheck, changed


@dataclass(frozen=True, slots=True)
class Dataset:
    id: str
    title: str
    publisher: str
    licence: str
    package: str  # the borderline subpackage whose data/ folder ships the file
    file: str
    published: date  # the publisher's date for this edition (or its latest observation)
    refreshed: date  # when this copy was taken
    max_age_days: int  # older than this (against the decision's date) is stale
    url: str = ""

    def evidence(self) -> dict[str, Any]:
        """What a finding's evidence says about the data it used."""
        return {
            "dataset": self.id,
            "source": f"{self.title} ({self.publisher})",
            "published": self.published.isoformat(),
            "refreshed": self.refreshed.isoformat(),
        }

    def age_days(self, on: date) -> int:
        return (on - self.published).days

    def stale(self, on: date) -> bool:
        return staleness(self.title, self.published, on, self.max_age_days) is not None


def staleness(what: str, published: date | None, on: date, max_age_days: int) -> str | None:
    """Why data of ``published`` is too old for a decision on ``on``, or None when it is fresh.

    The one freshness rule behind every "stale data" finding (tariffs, exchange rates,
    sanctions lists): older than ``max_age_days`` against the decision's date, or undated.
    """
    if published is None:
        return f"{what} is undated (freshness limit {max_age_days} days)"
    age = (on - published).days
    if age <= max_age_days:
        return None
    return (
        f"{what} of {published} is {age} days older than the order date {on} "
        f"(freshness limit {max_age_days} days)"
    )


def _d(value: Any, where: str) -> date:
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise DataFileError(f"{value!r} is not an ISO date", where=where) from None


@cache
def _registry() -> dict[str, Dataset]:
    raw = yaml.safe_load(
        (resources.files("borderline.refdata") / "data" / "datasets.yaml").read_text("utf-8")
    )
    out: dict[str, Dataset] = {}
    for i, d in enumerate(raw["datasets"]):
        where = f"datasets.yaml:datasets[{i}]"
        out[d["id"]] = Dataset(
            id=d["id"],
            title=d["title"],
            publisher=d["publisher"],
            licence=d["licence"],
            package=d["package"],
            file=d["file"],
            published=_d(d["published"], f"{where}.published"),
            refreshed=_d(d["refreshed"], f"{where}.refreshed"),
            max_age_days=int(d["max_age_days"]),
            url=d.get("url", ""),
        )
    return out


def refdata_dir() -> Path:
    from borderline.settings import env

    explicit = env("REFDATA_DIR")
    if explicit:
        return Path(explicit)
    return Path(env("DATA_DIR")) / "refdata"


def all_datasets() -> list[Dataset]:
    return [dataset(k) for k in _registry()]


# dataset id and data folders -> (when to look again, what was found): decisions ask for a
# data set's dates on every order; the user's copy is looked for at most once a second
# (``refdata.recheck``), at once after ``install`` in this process.
_dated: dict[tuple[str, str, str], tuple[Recheck, Dataset]] = {}


def dataset(dataset_id: str) -> Dataset:
    """The registered data set, with the dates of the user's own copy when there is one."""
    from borderline.settings import env

    key = (dataset_id, env("REFDATA_DIR"), env("DATA_DIR"))
    memo = _dated.get(key)
    if memo is not None and not memo[0].due():
        return memo[1]
    ds = _dataset_now(dataset_id)
    recheck = memo[0] if memo is not None else Recheck()
    if memo is None:
        recheck.due()
    _dated[key] = (recheck, ds)
    return ds


def _dataset_now(dataset_id: str) -> Dataset:
    reg = _registry()
    if dataset_id not in reg:
        raise NotFound(f"no data set {dataset_id!r}; known: {sorted(reg)}", where="dataset")
    ds = reg[dataset_id]
    meta = refdata_dir() / f"{ds.file}.meta.json"
    if meta.is_file() and (refdata_dir() / ds.file).is_file():
        m = json.loads(meta.read_text(encoding="utf-8"))
        ds = replace(
            ds,
            published=_d(m["published"], str(meta)),
            refreshed=_d(m["refreshed"], str(meta)),
        )
    return ds


def path(dataset_id: str) -> Path:
    """The file to read: the user's updated copy if present, else the packaged one."""
    ds = dataset(dataset_id)
    own = refdata_dir() / ds.file
    if own.is_file():
        return own
    return Path(str(resources.files(f"borderline.{ds.package}") / "data" / ds.file))


def install(dataset_id: str, produced: Path, published: date) -> Dataset:
    """Put a converted file in place as the user's copy of ``dataset_id`` and date it."""
    ds = _registry()[dataset_id]
    target_dir = refdata_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / ds.file
    tmp = target.with_suffix(target.suffix + ".tmp")
    shutil.copyfile(produced, tmp)
    os.replace(tmp, target)
    today = datetime.now(UTC).date()
    meta = {"published": published.isoformat(), "refreshed": today.isoformat()}
    (target_dir / f"{ds.file}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    cache_clear()
    return dataset(dataset_id)


_caches: list[Any] = []
F = TypeVar("F")


def on_update(fn: F) -> F:
    """Register a cached loader to be cleared when a data set is updated."""
    _caches.append(fn)
    return fn


def cache_clear() -> None:
    _dated.clear()
    changed()
    for fn in _caches:
        fn.cache_clear()


def describe(ds: Dataset) -> dict[str, Any]:
    d = asdict(ds)
    d["published"] = ds.published.isoformat()
    d["refreshed"] = ds.refreshed.isoformat()
    return d
