"""Block and allow lists: emails, card fingerprints, devices, IPs and CIDR ranges, addresses,
countries and card BINs, maintained by analysts through the API and the CLI."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.model import Finding, Order, Severity

# Kinds of list entries and what they match on an order.
LIST_KINDS = (
    "email",
    "email_domain",
    "card",
    "card_bin",
    "device",
    "ip",
    "address",
    "country",
    "phone",
    "customer",
)


def normalise_address(text: str) -> str:
    """Case, accents, punctuation and spacing do not make a different address."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode() or text
    return re.sub(r"[^0-9a-z]+", " ", folded.casefold()).strip()


def normalise_value(kind: str, value: str) -> str:
    v = value.strip()
    if kind in ("email", "email_domain"):
        return v.lower()
    if kind == "country":
        return v.upper()
    if kind == "address":
        return normalise_address(v)
    if kind == "phone":
        return re.sub(r"[^\d+]", "", v)
    return v


def order_values(order: Order) -> Iterator[tuple[str, str, str]]:
    """(kind, value, where on the order) for everything a list can match."""
    for i, p in enumerate(order.parties):
        where = f"parties[{i}]({p.role})"
        if p.email:
            yield "email", p.email, where + ".email"
            yield "email_domain", p.email.split("@", 1)[1], where + ".email"
        if p.phone:
            yield "phone", normalise_value("phone", p.phone), where + ".phone"
        if p.customer_id:
            yield "customer", p.customer_id, where + ".customer_id"
        if p.address is not None:
            yield "address", normalise_address(p.address.one_line()), where + ".address"
            yield "country", p.address.country, where + ".address.country"
    if order.payment is not None:
        if order.payment.card_fingerprint:
            yield "card", order.payment.card_fingerprint, "payment.card_fingerprint"
        if order.payment.card_bin:
            yield "card_bin", order.payment.card_bin, "payment.card_bin"
        if order.payment.card_country:
            yield "country", order.payment.card_country, "payment.card_country"
    if order.device is not None:
        if order.device.device_id:
            yield "device", order.device.device_id, "device.device_id"
        if order.device.ip:
            yield "ip", order.device.ip, "device.ip"
        if order.device.ip_country:
            yield "country", order.device.ip_country, "device.ip_country"
    yield "country", order.shipment.destination_country, "shipment.destination_country"


class ListsAssessor(BaseAssessor):
    name: ClassVar[str] = "lists"
    version: ClassVar[str] = "1.0"
    defaults: ClassVar[Mapping[str, Any]] = {
        "block_score": 90.0,  # contribution of a block-list hit (the default policy gates on it)
    }
    finding_codes: ClassVar[Mapping[str, str]] = {
        **{f"lists.block.{k}": f"the order's {k} is on a block list" for k in LIST_KINDS},
        **{f"lists.allow.{k}": f"the order's {k} is on an allow list" for k in LIST_KINDS},
        "lists.summary": "block and allow hit counts (no score)",
    }
    signals: ClassVar[Mapping[str, str]] = {
        "lists.blocked": "number of block-list hits on the order",
        "lists.allowed": "number of allow-list hits on the order",
    }

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        out: list[Finding] = []
        seen: set[tuple[str, str, str]] = set()
        blocked = allowed = 0
        for kind, value, where in order_values(order):
            for hit in ctx.lists.lookup(kind, value):
                key = (hit.list_name, hit.kind, hit.value)
                if key in seen:
                    continue
                seen.add(key)
                if hit.action == "block":
                    blocked += 1
                    out.append(
                        self.finding(
                            f"lists.block.{kind}",
                            f"{where} is on block list '{hit.list_name}'"
                            + (f": {hit.reason}" if hit.reason else ""),
                            severity=Severity.HIGH,
                            score=self.config["block_score"],
                            evidence={
                                "list": hit.list_name,
                                "kind": kind,
                                "entry": hit.value,
                                "field": where,
                            },
                            source=f"list:{hit.list_name}",
                        )
                    )
                else:
                    allowed += 1
                    out.append(
                        self.finding(
                            f"lists.allow.{kind}",
                            f"{where} is on allow list '{hit.list_name}'",
                            severity=Severity.INFO,
                            evidence={"list": hit.list_name, "kind": kind, "field": where},
                            source=f"list:{hit.list_name}",
                        )
                    )
        if blocked or allowed:
            out.append(
                self.finding(
                    "lists.summary",
                    f"{blocked} block and {allowed} allow hits",
                    signals={"lists.blocked": blocked, "lists.allowed": allowed},
                )
            )
        return out
