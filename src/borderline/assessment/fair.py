"""FAIR-style loss quantification by Monte Carlo: loss event frequency × loss magnitude.

Each scenario has a frequency (loss events per year) and a magnitude (loss per event), each a
PERT distribution (min, most likely, max) or a lognormal fitted to a 90% confidence range
(low, high: the 5th and 95th percentiles), the way FAIR analysts elicit estimates. Per simulated
year the number of events is Poisson with the sampled rate, and the year's loss is the sum of
that many sampled magnitudes. Scenarios are independent; the portfolio loss of a year is the
sum of the scenarios' losses in that year.

Results carry the seed and the inputs, so the same input gives the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from borderline.errors import InvalidInput

Array = NDArray[np.float64]
# z of the 95th percentile of the standard normal: a 90% range spans ±1.6449 σ.
Z90 = 1.6448536269514722
MAX_TRIALS = 1_000_000
# Bounds that keep a simulation finite and in memory (found by the API fuzz run: a frequency of
# 1e308 made Poisson sampling fail, a magnitude of 1e308 summed to infinity).
MAX_VALUE = 1e15  # a loss or a count beyond a quadrillion is a typo, not an estimate
MIN_POSITIVE = 1e-9
MAX_FREQUENCY = 1e6  # loss events a year
MAX_EVENTS = 50_000_000  # expected events over all trials and scenarios


class Pert(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dist: Literal["pert"]
    min: float = Field(ge=0, le=MAX_VALUE)
    mode: float = Field(ge=0, le=MAX_VALUE)
    max: float = Field(ge=0, le=MAX_VALUE)
    shape: float = Field(default=4.0, gt=0, description="λ of the modified PERT; 4 is classic")

    @model_validator(mode="after")
    def _order(self) -> Pert:
        if not self.min <= self.mode <= self.max or self.min == self.max:
            raise ValueError(
                f"need min ≤ mode ≤ max and min < max, got {self.min:g}, "
                f"{self.mode:g}, {self.max:g}"
            )
        return self

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        span = self.max - self.min
        a = 1.0 + self.shape * (self.mode - self.min) / span
        b = 1.0 + self.shape * (self.max - self.mode) / span
        out: Array = self.min + span * rng.beta(a, b, size=n)
        return out

    def mean(self) -> float:
        return (self.min + self.shape * self.mode + self.max) / (self.shape + 2.0)


class LogNormal90(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dist: Literal["lognormal"]
    low: float = Field(ge=MIN_POSITIVE, le=MAX_VALUE, description="5th percentile")
    high: float = Field(ge=MIN_POSITIVE, le=MAX_VALUE, description="95th percentile")

    @model_validator(mode="after")
    def _order(self) -> LogNormal90:
        if not self.low < self.high:
            raise ValueError(f"low {self.low:g} must be below high {self.high:g}")
        return self

    @property
    def mu(self) -> float:
        return (math.log(self.low) + math.log(self.high)) / 2.0

    @property
    def sigma(self) -> float:
        return (math.log(self.high) - math.log(self.low)) / (2.0 * Z90)

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        out: Array = rng.lognormal(self.mu, self.sigma, size=n)
        return out

    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2.0)


Distribution = Pert | LogNormal90


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=100)
    title: str = ""
    risk_key: str | None = None
    frequency: Distribution = Field(discriminator="dist", description="loss events per year")
    magnitude: Distribution = Field(discriminator="dist", description="loss per event")

    @model_validator(mode="after")
    def _frequency(self) -> Scenario:
        top = self.frequency.max if isinstance(self.frequency, Pert) else self.frequency.high
        if top > MAX_FREQUENCY:
            raise ValueError(f"frequency above {MAX_FREQUENCY:g} events a year")
        return self


class QuantInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="loss quantification", max_length=200)
    seed: int = Field(default=20260101, ge=0, le=2**32 - 1)
    trials: int = Field(default=20_000, ge=100, le=MAX_TRIALS)
    currency: str = "EUR"
    var_levels: list[float] = Field(default_factory=lambda: [0.9, 0.95, 0.99])
    scenarios: list[Scenario] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _check(self) -> QuantInput:
        ids = [s.id for s in self.scenarios]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate scenario ids {dupes}")
        for q in self.var_levels:
            if not 0.0 < q < 1.0:
                raise ValueError(f"VaR level {q:g} must lie in (0, 1)")
        events = sum(s.frequency.mean() for s in self.scenarios) * self.trials
        if events > MAX_EVENTS:
            raise ValueError(
                f"about {events:.3g} simulated loss events: more than {MAX_EVENTS:g}; "
                "lower the trials or the frequencies"
            )
        return self


def simulate_annual_losses(scenario: Scenario, rng: np.random.Generator, trials: int) -> Array:
    # A far tail of the rate distribution is clipped so Poisson sampling stays defined.
    rates = np.minimum(scenario.frequency.sample(rng, trials), MAX_FREQUENCY * 10)
    counts = rng.poisson(rates)
    total = int(counts.sum())
    if total > 2 * MAX_EVENTS:
        raise InvalidInput(
            f"scenario {scenario.id!r} drew {total} loss events; lower its frequency",
            where="scenarios",
        )
    losses = np.zeros(trials)
    if total:
        magnitudes = scenario.magnitude.sample(rng, total)
        # Sum each year's events: every magnitude is tagged with the year it fell in.
        owner = np.repeat(np.arange(trials), counts)
        np.add.at(losses, owner, magnitudes)
    return losses


def var(losses: Array, level: float) -> float:
    return float(np.quantile(losses, level))


def expected_shortfall(losses: Array, level: float) -> float:
    """Mean loss in the worst (1 − level) share of years (at least one year)."""
    # The epsilon keeps 20000 × 0.05 from rounding up to 1001 through float error.
    k = max(1, math.ceil(len(losses) * (1.0 - level) - 1e-9))
    worst = np.sort(losses)[-k:]
    return float(worst.mean())


def exceedance_curve(losses: Array, points: int = 60) -> list[dict[str, float]]:
    """P(annual loss > x) on log-spaced x from the 1st positive percentile to the maximum."""
    positive = losses[losses > 0]
    if positive.size == 0:
        return [{"loss": 0.0, "probability": 0.0}]
    lo = max(float(np.quantile(positive, 0.01)), 1e-9)
    hi = float(positive.max())
    xs = np.unique(np.geomspace(lo, hi, points)) if hi > lo else np.array([lo])
    sorted_losses = np.sort(losses)
    n = len(losses)
    out = [{"loss": 0.0, "probability": float(np.count_nonzero(losses > 0) / n)}]
    for x in xs:
        above = n - int(np.searchsorted(sorted_losses, x, side="right"))
        out.append({"loss": float(x), "probability": above / n})
    return out


def summarise(losses: Array, levels: Sequence[float]) -> dict[str, Any]:
    return {
        "mean": float(losses.mean()),
        "median": float(np.median(losses)),
        "p_any_loss": float(np.count_nonzero(losses > 0) / len(losses)),
        "max": float(losses.max()),
        "var": {f"{q:g}": var(losses, q) for q in levels},
        "es": {f"{q:g}": expected_shortfall(losses, q) for q in levels},
    }


@dataclass(frozen=True, slots=True)
class QuantResult:
    inputs: QuantInput
    scenarios: Mapping[str, dict[str, Any]]
    portfolio: dict[str, Any]
    curve: list[dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.inputs.name,
            "method": "monte_carlo_fair",
            "parameters": {
                "seed": self.inputs.seed,
                "trials": self.inputs.trials,
                "frequency_model": "poisson with sampled rate",
                "aggregation": "independent scenarios, summed per simulated year",
                "var_levels": self.inputs.var_levels,
            },
            "currency": self.inputs.currency,
            "inputs": self.inputs.model_dump(mode="json"),
            "scenarios": dict(self.scenarios),
            "portfolio": self.portfolio,
            "exceedance_curve": self.curve,
        }


def quantify(inputs: QuantInput | Mapping[str, Any]) -> QuantResult:
    inp = inputs if isinstance(inputs, QuantInput) else QuantInput.model_validate(inputs)
    # One generator per scenario, derived from the seed: adding a scenario does not change
    # the draws of the others.
    seeds = np.random.SeedSequence(inp.seed).spawn(len(inp.scenarios))
    portfolio = np.zeros(inp.trials)
    per: dict[str, dict[str, Any]] = {}
    for sc, ss in zip(inp.scenarios, seeds, strict=True):
        losses = simulate_annual_losses(sc, np.random.default_rng(ss), inp.trials)
        portfolio += losses
        per[sc.id] = {
            "title": sc.title,
            "risk_key": sc.risk_key,
            "expected_events": sc.frequency.mean(),
            "expected_loss_per_event": sc.magnitude.mean(),
            **summarise(losses, inp.var_levels),
        }
    return QuantResult(
        inputs=inp,
        scenarios=per,
        portfolio=summarise(portfolio, inp.var_levels),
        curve=exceedance_curve(portfolio),
    )
