"""Charts of simulation and comparison results (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # servers and CI have no display; must precede pyplot
import matplotlib.pyplot as plt
import numpy as np

from borderline.errors import InvalidInput

if TYPE_CHECKING:
    from borderline.logistics.simulate import SimulationResult

FORMATS = (".png", ".svg")


def check_plot_path(path: str | Path) -> Path:
    """``path`` if a chart can be written there (.png or .svg, in a folder that exists)."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise InvalidInput(f"plot file must end in {' or '.join(FORMATS)}", where=str(path))
    if not p.parent.exists():
        raise InvalidInput("folder does not exist", where=str(p.parent))
    return p


def plot_simulation(result: SimulationResult, path: str | Path) -> Path:
    """Per corridor: distribution of extra delay days, and revenue at risk across draws."""
    p = check_plot_path(path)
    keys = list(result.corridors)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    top = max((float(result.samples[k].max()) for k in keys), default=0.0)
    bins = np.linspace(0.0, max(top, 1.0), 40)
    for k in keys:
        s = result.samples[k]
        hit = s[s > 1e-9]
        share = result.corridors[k]["affected_share"]
        if hit.size:
            ax1.hist(hit, bins=bins, alpha=0.55, label=f"{k} ({share:.0%} hit)")
        else:
            ax1.plot([], [], label=f"{k} (not hit)")
    ax1.set_xlabel("extra delay of affected orders (days)")
    ax1.set_ylabel("orders x draws")
    ax1.set_title("Delay added by the scenario")
    ax1.legend(fontsize=8)
    data = [result.per_draw[k]["revenue_at_risk_usd"] / 1e3 for k in keys]
    ax2.boxplot(data, orientation="horizontal", showfliers=False)
    ax2.set_yticks(range(1, len(keys) + 1), keys, fontsize=8)
    ax2.set_xlabel("revenue at risk per draw (thousand USD)")
    ax2.set_title(f"Revenue at risk, {result.draws} draws")
    fig.suptitle(result.scenario.name, fontsize=11)
    fig.tight_layout()
    fig.savefig(p)
    plt.close(fig)
    return p


def plot_comparison(
    rows: list[dict[str, Any]], days: dict[str, np.ndarray], path: str | Path
) -> Path:
    """Landed cost per model and the delivery-time distribution of each."""
    p = check_plot_path(path)
    names = [r["model"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    costs = [r["landed_cost_per_order_usd"] for r in rows]
    ax1.barh(names, costs, color="#4c72b0")
    ax1.set_xlabel("mean landed cost per order (USD)")
    ax1.set_title("Landed cost")
    ax2.boxplot([days[n] for n in names], orientation="horizontal", showfliers=False)
    ax2.set_yticks(range(1, len(names) + 1), names)
    ax2.set_xlabel("delivery time (days)")
    ax2.set_title("Delivery time")
    fig.tight_layout()
    fig.savefig(p)
    plt.close(fig)
    return p
