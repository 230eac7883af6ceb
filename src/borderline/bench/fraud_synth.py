"""A seeded generator of synthetic cross-border orders with fraud, for demos, tests and benches.

A marketplace sells from sellers in a few origin countries to buyers in many markets
(``bench/data/fraud_synth_markets.yaml``). Each genuine customer has a home country, one or two
cards issued there, one or two devices, an IP address at home, an e-mail and a home address, and
orders at their own rate and typical amount. Five fraud patterns are mixed in, each a documented
story:

- ``stolen_card`` (card-not-present): a victim's card and billing address, used from the
  fraudster's own device and a foreign IP, a fresh account, shipped abroad (sometimes to a
  forwarder), in a burst of larger orders.
- ``account_takeover``: the victim's account, e-mail and card on file, but a new device and a
  foreign IP, a new shipping address, and amounts well above the customer's usual.
- ``triangulation``: a fraud ring's storefront (one of a few sellers of its own on the
  marketplace) takes a real buyer's order and pays for it with a stolen card: the payer (card
  holder) is not the recipient, the card country is not the shipping country, and a few ring
  devices place orders for many cards.
- ``reshipping_mule``: stolen cards shipped to mule addresses *in the card's own country*
  (so shipping looks domestic), from foreign IPs; each mule address collects many cards.
- ``friendly_fraud``: a genuine customer's ordinary order later charged back as "not received";
  nearly indistinguishable at order time, on purpose.

Labels: each fraud gets a chargeback (``friendly_fraud`` for the last pattern) 5-60 days after
the order; a small share of genuine orders gets an analyst "legitimate" label.

``generate()`` returns columnar data (fast enough for a million orders); ``to_order_json`` turns
rows into ``borderline.model.Order`` JSON whose flattening equals the flat columns (tested).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from borderline.errors import InvalidInput
from borderline.fraud import FLAT_COLUMNS, reshipper_markers

PATTERNS = ("stolen_card", "account_takeover", "triangulation", "reshipping_mule", "friendly_fraud")
MERCHANT = "marketplace"
SELLERS_PER_ORIGIN = 60
RING_STOREFRONTS = 3


@dataclass(frozen=True)
class OrderSimConfig:
    n_orders: int = 100_000
    n_customers: int = 0  # 0: one customer per 8 orders
    days: int = 120
    start: date = date(2026, 1, 1)
    seed: int = 0
    # Fraud orders as a share of all orders, per pattern.
    stolen_card: float = 0.004
    account_takeover: float = 0.002
    triangulation: float = 0.0015
    reshipping_mule: float = 0.002
    friendly_fraud: float = 0.002
    legit_label_share: float = 0.01

    def validate(self) -> None:
        if self.n_orders < 100:
            raise InvalidInput("need at least 100 orders", where="n_orders")
        if self.days < 1:
            raise InvalidInput("must be positive", where="days")
        total = sum(getattr(self, p) for p in PATTERNS)
        if not 0 <= total < 0.5:
            raise InvalidInput("fraud shares must add up to less than 0.5", where="fraud rates")


@cache
def _params() -> dict[str, Any]:
    path = resources.files("borderline.bench") / "data" / "fraud_synth_markets.yaml"
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


def _ip_for(country_idx: np.ndarray, host: np.ndarray) -> np.ndarray:
    # A stable, invented block per country: first octet 20 + index, then the host number.
    a = 20 + country_idx
    return np.array(
        [
            str(ipaddress.IPv4Address((int(x) << 24) | (int(h) & 0xFFFFFF)))
            for x, h in zip(a, host, strict=True)
        ],
        dtype=object,
    )


def generate(cfg: OrderSimConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(orders, labels). ``orders`` holds the flat columns plus what the JSON needs."""
    cfg.validate()
    rng = np.random.default_rng(cfg.seed)
    p = _params()
    markets = list(p["buyer_markets"])
    mw = np.array([p["buyer_markets"][m][0] for m in markets], dtype=float)
    mcur = np.array([p["buyer_markets"][m][1] for m in markets], dtype=object)
    origins = list(p["seller_origins"])
    ow = np.array([p["seller_origins"][o] for o in origins], dtype=float)
    titles = list(p["categories"])
    given, family, streets = p["given_names"], p["family_names"], p["streets"]
    nm = len(markets)

    n_frauds = {pat: round(cfg.n_orders * getattr(cfg, pat)) for pat in PATTERNS}
    n_genuine = cfg.n_orders - sum(n_frauds[k] for k in PATTERNS if k != "friendly_fraud")
    n_cust = cfg.n_customers or max(cfg.n_orders // 8, 10)

    # Customers.
    home = rng.choice(nm, n_cust, p=mw / mw.sum())
    cust_rate = rng.lognormal(0, 1.0, n_cust)
    cust_mean = rng.lognormal(np.log(60), 0.6, n_cust)
    n_cards = 1 + (rng.random(n_cust) < 0.3)
    n_devs = 1 + (rng.random(n_cust) < 0.4)
    card_ctry = np.where(rng.random(n_cust) < 0.05, rng.choice(nm, n_cust), home)
    cname = np.array(
        [
            f"{given[g]} {family[f]}"
            for g, f in zip(
                rng.integers(0, len(given), n_cust),
                rng.integers(0, len(family), n_cust),
                strict=True,
            )
        ],
        dtype=object,
    )
    street_no = rng.integers(1, 400, n_cust)
    street = rng.integers(0, len(streets), n_cust)
    postal = rng.integers(10000, 99999, n_cust)
    ip_host = rng.integers(1, 2**24 - 1, n_cust)

    def addr(i: np.ndarray) -> np.ndarray:
        return np.array([f"{street_no[k]} {streets[street[k]]}" for k in i], dtype=object)

    t_total = cfg.days * 86400
    t_start = int(datetime(cfg.start.year, cfg.start.month, cfg.start.day, tzinfo=UTC).timestamp())

    # Genuine (and friendly-fraud) orders: customers in proportion to their rate.
    c = rng.choice(n_cust, n_genuine, p=cust_rate / cust_rate.sum())
    day_t = rng.integers(0, cfg.days, n_genuine) * 86400
    tod = np.clip(rng.normal(15 * 3600, 4 * 3600, n_genuine), 0, 86399).astype(np.int64)
    g = {
        "t": t_start + day_t + tod,
        "cust_idx": c,
        "customer_id": np.array([f"c{k}" for k in c], dtype=object),
        "card_k": rng.integers(0, 2, n_genuine) % n_cards[c],
        "dev_k": rng.integers(0, 2, n_genuine) % n_devs[c],
        "amount": np.round(cust_mean[c] * rng.lognormal(0, 0.5, n_genuine), 2),
        "card_owner": c,
        "ip_ctry": np.where(rng.random(n_genuine) < 0.04, rng.choice(nm, n_genuine), home[c]),
        "ip_host": ip_host[c],
        "ship_ctry": home[c],
        "ship_owner": c,
        "recipient_owner": c,
        "reship": np.zeros(n_genuine, dtype=bool),
        "pattern": np.array([""] * n_genuine, dtype=object),
        "email_owner": c,
        "dev_owner": np.array([f"d{k}" for k in c], dtype=object),
    }
    gift = rng.random(n_genuine) < 0.06
    g["recipient_owner"] = np.where(gift, rng.integers(0, n_cust, n_genuine), c)
    g["ship_owner"] = g["recipient_owner"]
    g["ship_ctry"] = home[g["ship_owner"]]
    ff = rng.choice(n_genuine, n_frauds["friendly_fraud"], replace=False)
    g["pattern"][ff] = "friendly_fraud"
    g["amount"][ff] = np.round(g["amount"][ff] * 1.5, 2)
    frames = [pd.DataFrame(g)]

    def fraud_frame(pat: str, n: int) -> dict[str, Any]:
        victims = rng.integers(0, n_cust, n)
        return {
            "t": t_start + rng.integers(0, t_total, n),
            "cust_idx": victims,
            "customer_id": np.array([f"c{k}" for k in victims], dtype=object),
            "card_k": np.zeros(n, dtype=np.int64),
            "dev_k": np.zeros(n, dtype=np.int64),
            "amount": np.round(rng.lognormal(np.log(250), 0.6, n), 2),
            "card_owner": victims,
            "ip_ctry": rng.choice(nm, n),
            "ip_host": rng.integers(1, 2**24 - 1, n),
            "ship_ctry": home[victims],
            "ship_owner": victims,
            "recipient_owner": victims,
            "reship": np.zeros(n, dtype=bool),
            "pattern": np.array([pat] * n, dtype=object),
            "email_owner": victims,
            "dev_owner": np.array(
                [f"fd{pat[:2]}{k}" for k in rng.integers(0, 10**6, n)], dtype=object
            ),
        }

    # Stolen card: bursts of 1-4 orders within hours under a fresh account.
    n = n_frauds["stolen_card"]
    if n:
        f = fraud_frame("stolen_card", n)
        burst = np.cumsum(rng.random(n) < 0.45)
        f["t"] = (t_start + rng.integers(0, t_total, burst.max() + 1))[burst] + rng.integers(
            0, 6 * 3600, n
        )
        f["customer_id"] = np.array([f"sc{b}" for b in burst], dtype=object)
        f["dev_owner"] = np.array([f"fdsc{b}" for b in burst], dtype=object)
        f["ship_ctry"] = rng.choice(nm, n)
        f["ship_owner"] = -1 - burst  # a fraudster address, one per burst
        f["recipient_owner"] = f["ship_owner"]
        f["reship"] = rng.random(n) < 0.3
        f["email_owner"] = -1 - burst
        f["card_k"] = rng.integers(0, 2, n) % n_cards[f["card_owner"]]
        frames.append(pd.DataFrame(f))
    # Account takeover: the victim's account and card, new device, foreign IP, new address.
    n = n_frauds["account_takeover"]
    if n:
        f = fraud_frame("account_takeover", n)
        f["amount"] = np.round(cust_mean[f["cust_idx"]] * rng.uniform(2, 5, n) + 50, 2)
        f["ship_ctry"] = rng.choice(nm, n)
        f["ship_owner"] = -(10**7) - np.arange(n)
        f["recipient_owner"] = f["cust_idx"]
        f["reship"] = rng.random(n) < 0.25
        frames.append(pd.DataFrame(f))
    # Triangulation: a handful of ring devices, real buyers as recipients, stolen cards.
    n = n_frauds["triangulation"]
    if n:
        f = fraud_frame("triangulation", n)
        ring = rng.integers(0, max(n // 25, 1), n)
        buyers = rng.integers(0, n_cust, n)
        f["customer_id"] = np.array([f"tr{k}" for k in buyers], dtype=object)
        f["dev_owner"] = np.array([f"fdtr{r}" for r in ring], dtype=object)
        f["ip_host"] = ring + 7
        f["ip_ctry"] = ring % nm
        f["ship_ctry"] = home[buyers]
        f["ship_owner"] = buyers
        f["recipient_owner"] = buyers
        f["email_owner"] = -2 * 10**7 - buyers
        f["amount"] = np.round(rng.lognormal(np.log(120), 0.5, n), 2)
        frames.append(pd.DataFrame(f))
    # Reshipping mules: stolen cards shipped to mule addresses in the card's own country.
    n = n_frauds["reshipping_mule"]
    if n:
        f = fraud_frame("reshipping_mule", n)
        n_mules = max(n // 15, 1)
        mule = rng.integers(0, n_mules, n)
        mule_ctry = rng.choice(nm, n_mules, p=mw / mw.sum())
        f["card_owner"] = np.array(
            [
                rng.choice(np.flatnonzero(card_ctry == mule_ctry[m]))
                if (card_ctry == mule_ctry[m]).any()
                else 0
                for m in mule
            ]
        )
        f["cust_idx"] = f["card_owner"]
        f["customer_id"] = np.array([f"mu{k}" for k in rng.integers(0, 10**6, n)], dtype=object)
        f["ship_ctry"] = mule_ctry[mule]
        f["ship_owner"] = -3 * 10**7 - mule
        f["recipient_owner"] = f["ship_owner"]
        f["email_owner"] = -4 * 10**7 - np.arange(n)
        frames.append(pd.DataFrame(f))

    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values("t", kind="stable").reset_index(drop=True)
    n = len(df)
    df["order_id"] = [f"o{i:07d}" for i in range(n)]
    _finish(df, cfg, rng, markets, mcur, origins, ow, titles, cname, home, card_ctry, addr, postal)
    labels = _labels(df, cfg, rng)
    return df, labels


def _finish(
    df: pd.DataFrame,
    cfg: OrderSimConfig,
    rng: np.random.Generator,
    markets: list[str],
    mcur: np.ndarray,
    origins: list[str],
    ow: np.ndarray,
    titles: list[str],
    cname: np.ndarray,
    home: np.ndarray,
    card_ctry: np.ndarray,
    addr: Any,
    postal: np.ndarray,
) -> None:
    n = len(df)
    mk = np.array(markets, dtype=object)
    owner = df["card_owner"].to_numpy()
    cid = df["customer_id"].to_numpy()
    buyer_idx = df["cust_idx"].to_numpy()
    pattern = df["pattern"].to_numpy()
    # Fresh accounts (stolen card, mules, triangulation) have no home record: they use the
    # recipient's country as their stated address.
    fresh = np.isin(pattern, ["stolen_card", "reshipping_mule", "triangulation"])
    df["currency"] = mcur[df["ship_ctry"].to_numpy()]
    df["method"] = "card"
    df["n_items"] = 1 + (rng.random(n) < 0.2).astype(np.int64)
    df["forwarder"] = 0
    df["title"] = np.array(titles, dtype=object)[rng.integers(0, len(titles), n)]
    df["origin_country"] = np.array(origins, dtype=object)[
        rng.choice(len(origins), n, p=ow / ow.sum())
    ]
    df["card"] = [f"fp_{o}_{k}" for o, k in zip(owner, df["card_k"], strict=True)]
    df["card_country"] = mk[card_ctry[owner]]
    df["card_bin"] = [f"{400000 + int(card_ctry[o]) * 1000 + int(o) % 1000:06d}" for o in owner]
    df["card_last4"] = [
        f"{(int(o) * 7 + int(k) * 13) % 10000:04d}"
        for o, k in zip(owner, df["card_k"], strict=True)
    ]
    df["payer_name"] = cname[owner]
    df["bill_country"] = mk[home[owner]]
    df["bill_line1"] = addr(owner)
    df["bill_postal"] = postal[owner].astype(str)
    df["ip_country"] = mk[df["ip_ctry"].to_numpy()]
    df["ip"] = _ip_for(df["ip_ctry"].to_numpy(), df["ip_host"].to_numpy())
    dev_k = df["dev_k"].to_numpy()
    # Genuine customers (friendly fraud included) use one of their own devices.
    own = (pattern == "") | (pattern == "friendly_fraud")
    df["device"] = [
        f"{d}_{k}" if o else d for d, k, o in zip(df["dev_owner"], dev_k, own, strict=True)
    ]
    eo = df["email_owner"].to_numpy()
    domains = np.array(["example.com", "example.net", "example.org"], dtype=object)
    df["email"] = [
        f"user{o}@{domains[abs(int(o)) % 3]}"
        if o >= 0
        else f"x{-int(o)}@{domains[abs(int(o)) % 3]}"
        for o in eo
    ]
    rec = df["recipient_owner"].to_numpy()
    ship_owner = df["ship_owner"].to_numpy()
    df["recipient_name"] = [
        cname[r]
        if r >= 0
        else f"{cname[abs(int(r)) % len(cname)].split()[0]} "
        f"{cname[(abs(int(r)) * 7) % len(cname)].split()[1]}"
        for r in rec
    ]
    ship_ctry = mk[df["ship_ctry"].to_numpy()]
    df["ship_country"] = ship_ctry
    line1 = []
    for so, rs in zip(ship_owner, df["reship"], strict=True):
        base = addr(np.array([abs(int(so)) % len(cname)]))[0] if so < 0 else addr(np.array([so]))[0]
        if so < 0:
            base = f"{abs(int(so)) % 997 + 1} {base.split(' ', 1)[1]}"
        line1.append(f"{base} suite #{abs(int(so)) % 9000 + 100}" if rs else base)
    df["ship_line1"] = line1
    df["ship_postal"] = [
        str(postal[so]) if so >= 0 else str(10000 + abs(int(so)) % 89999) for so in ship_owner
    ]
    # Fresh accounts state the recipient's address; genuine buyers and ATO keep their home.
    df["buyer_name"] = np.where(fresh, df["recipient_name"], cname[buyer_idx])
    df["buyer_country"] = np.where(fresh, ship_ctry, mk[home[buyer_idx]])
    df["buyer_line1"] = np.where(fresh, df["ship_line1"], addr(buyer_idx))
    df["buyer_postal"] = np.where(fresh, df["ship_postal"], postal[buyer_idx].astype(str))
    df["customer"] = [f"{MERCHANT}:{c}" for c in cid]
    df["ship_addr"] = [
        f"{line}, {pc}, {c}".casefold()
        for line, pc, c in zip(df["ship_line1"], df["ship_postal"], ship_ctry, strict=True)
    ]
    markers = reshipper_markers()
    df["reshipper"] = [int(any(m in f" {a} " for m in markers)) for a in df["ship_addr"]]
    df["name_mismatch"] = (
        df["payer_name"].str.casefold() != df["recipient_name"].str.casefold()
    ).astype(np.int64)
    df["corridor"] = df["origin_country"] + ">" + df["ship_country"]
    # Sellers: SELLERS_PER_ORIGIN shops per origin country, a few popular; a triangulation
    # ring sells through a handful of storefronts of its own. Drawn from a separate stream so
    # the other columns of a seed stay what they were before sellers existed.
    srng = np.random.default_rng([cfg.seed, 53113])
    k = np.minimum(srng.zipf(1.6, n), SELLERS_PER_ORIGIN) - 1
    ring = df["pattern"].to_numpy() == "triangulation"
    shop = srng.integers(0, RING_STOREFRONTS, n)
    df["seller_id"] = [
        f"s_ring_{j}" if r else f"s_{o.lower()}_{i}"
        for o, i, r, j in zip(df["origin_country"], k, ring, shop, strict=True)
    ]
    df["merchant"] = MERCHANT + ":" + df["seller_id"]
    df["is_fraud"] = (df["pattern"] != "").astype(np.int64)


def _labels(df: pd.DataFrame, cfg: OrderSimConfig, rng: np.random.Generator) -> pd.DataFrame:
    fraud = df["is_fraud"].to_numpy() == 1
    legit = (~fraud) & (rng.random(len(df)) < cfg.legit_label_share)
    rows = df.loc[fraud | legit, ["order_id", "t", "pattern"]].copy()
    delay_days = rng.uniform(5, 60, len(rows))
    rows["event_at"] = pd.to_datetime(
        rows["t"] + (delay_days * 86400).astype(np.int64), unit="s", utc=True
    )
    rows["is_fraud"] = (rows["pattern"] != "").astype(np.int64)
    rows["kind"] = np.where(
        rows["pattern"] == "friendly_fraud",
        "friendly_fraud",
        np.where(rows["is_fraud"] == 1, "chargeback", "legitimate"),
    )
    rows["event_at"] = rows["event_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return rows[["order_id", "is_fraud", "kind", "event_at"]].reset_index(drop=True)


def flat_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The flat feature columns of generated orders (same as flattening their JSON)."""
    out = df[list(FLAT_COLUMNS)].copy()
    return out.astype(
        {
            "t": np.int64,
            "amount": np.float64,
            "n_items": np.int64,
            "forwarder": np.int64,
            "reshipper": np.int64,
            "name_mismatch": np.int64,
        }
    )


def to_order_json(row: Any) -> dict[str, Any]:
    """One generated row as ``borderline.model.Order`` JSON."""
    created = datetime.fromtimestamp(int(row.t), tz=UTC)
    buyer = {
        "role": "buyer",
        "name": row.buyer_name,
        "customer_id": row.customer_id,
        "email": row.email,
        "address": {
            "line1": row.buyer_line1,
            "postal_code": row.buyer_postal,
            "country": row.buyer_country,
        },
    }
    parties = [
        buyer,
        {
            "role": "payer",
            "name": row.payer_name,
            "address": {
                "line1": row.bill_line1,
                "postal_code": row.bill_postal,
                "country": row.bill_country,
            },
        },
        {
            "role": "recipient",
            "name": row.recipient_name,
            "address": {
                "line1": row.ship_line1,
                "postal_code": row.ship_postal,
                "country": row.ship_country,
            },
        },
        {
            "role": "seller",
            "kind": "organization",
            "name": f"Shop {row.seller_id}",
            "customer_id": row.seller_id,
            "address": {"country": row.origin_country},
        },
    ]
    amount = f"{row.amount:.2f}"
    return {
        "id": row.order_id,
        "merchant_id": MERCHANT,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "currency": row.currency,
        "total": amount,
        "channel": "web",
        "parties": parties,
        "items": [
            {
                "title": row.title,
                "quantity": int(row.n_items),
                "unit_price": f"{row.amount / row.n_items:.6f}",
                "origin_country": row.origin_country,
            }
        ],
        "payment": {
            "method": "card",
            "amount": amount,
            "currency": row.currency,
            "card_bin": row.card_bin,
            "card_last4": row.card_last4,
            "card_country": row.card_country,
            "card_fingerprint": row.card,
        },
        "device": {"ip": row.ip, "ip_country": row.ip_country, "device_id": row.device},
        "shipment": {"origin_country": row.origin_country, "destination_country": row.ship_country},
    }


def period_end(cfg: OrderSimConfig) -> date:
    return cfg.start + timedelta(days=cfg.days)
