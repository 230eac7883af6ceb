"""A seeded simulator of card transactions in the schema of the Fraud Detection Handbook.

Re-implemented from the *description* of the simulation in "Reproducible Machine Learning for
Credit Card Fraud Detection — Practical Handbook" (Le Borgne, Siblini, Lebichot, Bontempi,
ULB / Worldline), chapter 3.2 "Transaction data simulator". This is our own vectorised code,
not theirs, so the same seed gives *different* transactions than the published files; figures
measured on it are comparable in kind, not digit for digit.

The design, as described there:

- customers: a home location (x, y) uniform on a 100 x 100 grid, a mean spend uniform in
  [5, 100] with standard deviation half the mean, and a mean number of transactions per day
  uniform in [0, 4];
- terminals: a location uniform on the same grid; a customer uses only terminals within radius
  ``r`` (5) of home;
- each day a customer makes Poisson(mean per day) transactions at a time of day drawn from
  N(12h, 20000 s) (draws outside the day are dropped), an amount drawn from N(mean, std)
  (negative draws replaced by U(0, 2 * mean)), at a terminal drawn uniformly from the
  reachable ones;
- fraud scenario 1: every amount above 220 is fraudulent;
- fraud scenario 2: each day, 2 terminals are compromised and every transaction on them in
  the next 28 days is fraudulent;
- fraud scenario 3: each day, 3 customers' credentials leak and over the next 14 days a third
  of their transactions are fraudulent with the amount multiplied by 5.

Where the description leaves a choice open we say what we chose: a transaction caught by two
overlapping scenario-3 leaks of the same customer is multiplied by 5 once, not twice; later
scenarios overwrite the scenario code of earlier ones (3 over 2 over 1), as in the Handbook.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from borderline.errors import InvalidInput

COLUMNS = [
    "TRANSACTION_ID",
    "TX_DATETIME",
    "CUSTOMER_ID",
    "TERMINAL_ID",
    "TX_AMOUNT",
    "TX_TIME_SECONDS",
    "TX_TIME_DAYS",
    "TX_FRAUD",
    "TX_FRAUD_SCENARIO",
]


@dataclass(frozen=True)
class SimulationConfig:
    """Defaults are the Handbook's published settings (5,000 customers, 10,000 terminals)."""

    n_customers: int = 5000
    n_terminals: int = 10000
    radius: float = 5.0
    start: date = date(2018, 4, 1)
    days: int = 183  # 2018-04-01 .. 2018-09-30
    seed: int = 0
    amount_threshold: float = 220.0
    compromised_terminals_per_day: int = 2
    terminal_compromise_days: int = 28
    compromised_customers_per_day: int = 3
    customer_compromise_days: int = 14
    customer_fraud_share: float = 1 / 3
    customer_fraud_multiplier: float = 5.0

    def validate(self) -> None:
        for name in ("n_customers", "n_terminals", "days"):
            if getattr(self, name) <= 0:
                raise InvalidInput("must be positive", where=name)
        if self.radius <= 0:
            raise InvalidInput("must be positive", where="radius")
        if self.compromised_terminals_per_day > self.n_terminals:
            raise InvalidInput("more than there are terminals", where="compromised_terminals")
        if self.compromised_customers_per_day > self.n_customers:
            raise InvalidInput("more than there are customers", where="compromised_customers")


def simulate(cfg: SimulationConfig) -> pd.DataFrame:
    """All transactions, sorted by time, with the nine Handbook columns."""
    cfg.validate()
    rng = np.random.default_rng(cfg.seed)

    # Profiles.
    cx, cy = rng.uniform(0, 100, cfg.n_customers), rng.uniform(0, 100, cfg.n_customers)
    mean_amount = rng.uniform(5, 100, cfg.n_customers)
    std_amount = mean_amount / 2
    tx_per_day = rng.uniform(0, 4, cfg.n_customers)
    tx_xy = rng.uniform(0, 100, (cfg.n_terminals, 2))
    reachable = cKDTree(tx_xy).query_ball_point(np.column_stack([cx, cy]), r=cfg.radius)
    n_reach = np.array([len(r) for r in reachable], dtype=np.int64)
    reach_flat = np.concatenate([np.asarray(r, dtype=np.int64) for r in reachable if len(r)])
    reach_start = np.concatenate(([0], np.cumsum(n_reach)[:-1]))

    # Transactions: Poisson counts per customer and day, then one draw per transaction.
    counts = rng.poisson(np.repeat(tx_per_day[:, None], cfg.days, axis=1))
    counts[n_reach == 0, :] = 0  # a customer with no terminal in reach cannot transact
    cust = np.repeat(np.repeat(np.arange(cfg.n_customers), cfg.days), counts.ravel())
    day = np.repeat(np.tile(np.arange(cfg.days), cfg.n_customers), counts.ravel())
    n = len(cust)
    tod = np.rint(rng.normal(86400 / 2, 20000, n)).astype(np.int64)
    amount = rng.normal(mean_amount[cust], std_amount[cust])
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean_amount[cust[negative]])
    amount = np.round(amount, 2)
    pick = (rng.random(n) * n_reach[cust]).astype(np.int64)
    terminal = reach_flat[reach_start[cust] + pick]
    keep = (tod >= 0) & (tod < 86400)
    cust, day, tod, amount, terminal = (
        cust[keep],
        day[keep],
        tod[keep],
        amount[keep],
        terminal[keep],
    )

    seconds = day * 86400 + tod
    order = np.lexsort((terminal, cust, seconds))
    cust, day, seconds, amount, terminal = (
        cust[order],
        day[order],
        seconds[order],
        amount[order],
        terminal[order],
    )
    n = len(cust)
    fraud = np.zeros(n, dtype=np.int64)
    scenario = np.zeros(n, dtype=np.int64)

    # Scenario 1: large amounts.
    s1 = amount > cfg.amount_threshold
    fraud[s1], scenario[s1] = 1, 1

    # Scenario 2: compromised terminals, as a (terminal, day) table filled day by day.
    compromised_t = np.zeros((cfg.n_terminals, cfg.days), dtype=bool)
    for d in range(cfg.days):
        picked = rng.choice(cfg.n_terminals, cfg.compromised_terminals_per_day, replace=False)
        compromised_t[picked, d : d + cfg.terminal_compromise_days] = True
    s2 = compromised_t[terminal, day]
    fraud[s2], scenario[s2] = 1, 2

    # Scenario 3: leaked customer credentials; a share of the customer's transactions in the
    # leak window become fraud with an inflated amount.
    by_cust = np.argsort(cust, kind="stable")
    starts = np.searchsorted(cust[by_cust], np.arange(cfg.n_customers + 1))
    hit3 = np.zeros(n, dtype=bool)
    for d in range(cfg.days):
        picked = rng.choice(cfg.n_customers, cfg.compromised_customers_per_day, replace=False)
        for c in picked:
            rows = by_cust[starts[c] : starts[c + 1]]
            rows = rows[(day[rows] >= d) & (day[rows] < d + cfg.customer_compromise_days)]
            k = int(len(rows) * cfg.customer_fraud_share)
            if k:
                hit3[rng.choice(rows, k, replace=False)] = True
    amount[hit3] = np.round(amount[hit3] * cfg.customer_fraud_multiplier, 2)
    fraud[hit3], scenario[hit3] = 1, 3

    start = pd.Timestamp(cfg.start)
    return pd.DataFrame(
        {
            "TRANSACTION_ID": np.arange(n, dtype=np.int64),
            "TX_DATETIME": start + pd.to_timedelta(seconds, unit="s"),
            "CUSTOMER_ID": cust,
            "TERMINAL_ID": terminal,
            "TX_AMOUNT": amount,
            "TX_TIME_SECONDS": seconds,
            "TX_TIME_DAYS": day,
            "TX_FRAUD": fraud,
            "TX_FRAUD_SCENARIO": scenario,
        },
        columns=COLUMNS,
    )


def write_daily(df: pd.DataFrame, out: Path, fmt: str = "parquet") -> list[Path]:
    """One file per day named ``YYYY-MM-DD.<fmt>``, as the Handbook publishes them."""
    if fmt not in ("csv", "parquet"):
        raise InvalidInput(f"unknown format {fmt!r}; use csv or parquet", where="format")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    dates = df["TX_DATETIME"].dt.strftime("%Y-%m-%d")
    for day_str, part in df.groupby(dates, sort=True):
        path = out / f"{day_str}.{fmt}"
        if fmt == "csv":
            part.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
        else:
            part.to_parquet(path, index=False)
        written.append(path)
    return written


def config_dict(cfg: SimulationConfig) -> dict[str, object]:
    d = asdict(cfg)
    d["start"] = cfg.start.isoformat()
    d["end"] = (cfg.start + timedelta(days=cfg.days - 1)).isoformat()
    return d
