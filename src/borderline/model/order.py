"""The cross-border order: a typed, validated record of who buys what, from where, to where.

Payment data never carries a full card number: only the BIN (first 6-8 digits), the last four
and an opaque fingerprint from the payment processor. A PAN-looking value is rejected.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from ipaddress import ip_address
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from borderline.model.limits import (
    METADATA_MAX_BYTES,
    METADATA_MAX_DEPTH,
    InputLimit,
    check_json,
    check_time,
)
from borderline.model.types import Amount, CountryCode, CurrencyCode


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


class PartyRole(StrEnum):
    BUYER = "buyer"
    RECIPIENT = "recipient"
    PAYER = "payer"
    SELLER = "seller"
    CONSIGNEE = "consignee"
    NOTIFY_PARTY = "notify_party"
    FORWARDER = "forwarder"


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"


class Incoterm(StrEnum):
    DDP = "DDP"
    DAP = "DAP"
    DPU = "DPU"
    EXW = "EXW"
    FCA = "FCA"
    CPT = "CPT"
    CIP = "CIP"
    FAS = "FAS"
    FOB = "FOB"
    CFR = "CFR"
    CIF = "CIF"


class TransportMode(StrEnum):
    AIR = "air"
    OCEAN = "ocean"
    ROAD = "road"
    RAIL = "rail"
    POSTAL = "postal"
    EXPRESS = "express"


class PaymentMethod(StrEnum):
    CARD = "card"
    WALLET = "wallet"
    BANK_TRANSFER = "bank_transfer"
    BNPL = "bnpl"
    COD = "cod"
    CRYPTO = "crypto"
    OTHER = "other"


class Address(_Model):
    line1: str | None = Field(default=None, max_length=300)
    line2: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=200, description="State, province, oblast")
    postal_code: str | None = Field(default=None, max_length=20)
    country: CountryCode

    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, self.region, self.postal_code, self.country]
        return ", ".join(p for p in parts if p)


class Identifier(_Model):
    kind: str = Field(max_length=40, description="passport, national_id, tax_id, lei, imo, bic…")
    value: str = Field(max_length=100)
    country: CountryCode | None = None


class Party(_Model):
    role: PartyRole
    kind: PartyKind = PartyKind.PERSON
    name: str = Field(min_length=1, max_length=500)
    customer_id: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=50)
    address: Address | None = None
    date_of_birth: date | None = None
    nationality: CountryCode | None = None
    identifiers: list[Identifier] = Field(default_factory=list, max_length=20)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if v.count("@") != 1 or v.startswith("@") or v.endswith("@"):
            raise ValueError("not an email address")
        return v.lower()


class LineItem(_Model):
    sku: str | None = Field(default=None, max_length=100)
    title: str = Field(min_length=1, max_length=1000)
    description: str | None = Field(default=None, max_length=5000)
    category: str | None = Field(default=None, max_length=500, description="e.g. Apparel > Shoes")
    attributes: dict[str, str] = Field(default_factory=dict)
    hs_code: str | None = Field(default=None, pattern=r"^\d{4,10}$", description="Declared HS code")
    quantity: int = Field(gt=0, le=1_000_000)
    unit_price: Amount
    origin_country: CountryCode | None = None
    weight_kg: Decimal | None = Field(default=None, ge=0)

    @property
    def value(self) -> Decimal:
        return self.unit_price * self.quantity


class Payment(_Model):
    method: PaymentMethod
    amount: Amount
    currency: CurrencyCode
    card_bin: str | None = Field(default=None, pattern=r"^\d{6,8}$")
    card_last4: str | None = Field(default=None, pattern=r"^\d{4}$")
    card_country: CountryCode | None = None
    card_fingerprint: str | None = Field(default=None, max_length=200)
    wallet: str | None = Field(default=None, max_length=100)


class Device(_Model):
    ip: str | None = None
    ip_country: CountryCode | None = None
    device_id: str | None = Field(default=None, max_length=200)
    user_agent: str | None = Field(default=None, max_length=1000)
    session_id: str | None = Field(default=None, max_length=200)
    accept_language: str | None = Field(default=None, max_length=200)

    @field_validator("ip")
    @classmethod
    def _ip(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            return str(ip_address(v))
        except ValueError:
            raise ValueError(f"{v!r} is not an IPv4 or IPv6 address") from None


class Shipment(_Model):
    carrier: str | None = Field(default=None, max_length=100)
    service: str | None = Field(default=None, max_length=100)
    mode: TransportMode | None = None
    origin_country: CountryCode
    destination_country: CountryCode
    incoterm: Incoterm = Incoterm.DAP
    declared_value: Amount | None = None
    declared_currency: CurrencyCode | None = None
    weight_kg: Decimal | None = Field(default=None, ge=0)
    promised_delivery: date | None = None


class TransferImporter(_Model):
    name: str = Field(max_length=300)
    kind: str = Field(default="processor", max_length=50, description="processor, controller…")
    certifications: list[str] = Field(default_factory=list)


class DataTransfer(_Model):
    """Personal data the order sends abroad, e.g. to a carrier or a screening vendor."""

    exporter_country: str = Field(description="ISO country code or region name (EEA)")
    importer_country: str
    importer: TransferImporter
    data_categories: list[str] = Field(min_length=1, description="fideslang keys, user.contact…")
    sensitive: bool = False
    data_subjects: int = Field(default=1, ge=0)
    purpose: str | None = Field(default=None, max_length=200)
    mechanism: str | None = Field(default=None, max_length=100, description="Declared mechanism")


# The validation context of ``Order.from_dump_json``: compared by identity, so no caller
# outside this module can ask for the limits to be skipped by passing an equal mapping.
_DUMPED: dict[str, Any] = {"dumped": True}


class Order(_Model):
    """One cross-border order. ``id`` is the merchant's own order id and is idempotent."""

    # No "/": an id must be reachable as one path segment (GET /v1/orders/{id}).
    id: str = Field(min_length=1, max_length=200, pattern=r"^[\w.:\-]+$")
    merchant_id: str = Field(default="default", max_length=200)
    created_at: datetime
    currency: CurrencyCode
    total: Amount
    channel: str | None = Field(default=None, max_length=50)
    parties: list[Party] = Field(min_length=1, max_length=20)
    items: list[LineItem] = Field(min_length=1, max_length=500)
    payment: Payment | None = None
    device: Device | None = None
    shipment: Shipment
    data_transfers: list[DataTransfer] = Field(default_factory=list, max_length=50)
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_dump_json(cls, text: str | bytes) -> Order:
        """The order whose ``model_dump(mode="json")`` is ``text``, validated as any input
        except for the input limits (nesting, NaN, unsafe integers, NUL characters, metadata
        size): the order it was dumped from was held to them already, and walking them again
        is a third of the validation's cost. The checks skipped only ever refuse; they never
        change a value, so the order is the one any other validation of ``text`` gives.
        For JSON this code wrote itself (the Spark decision stage rebuilds each order from
        the dump its first stage made of the validated input), never for input."""
        return cls.model_validate_json(text, context=_DUMPED)

    @model_validator(mode="before")
    @classmethod
    def _limits(cls, data: Any, info: ValidationInfo) -> Any:
        # Before any field is read: NaN, unsafe integers, NUL characters, deep nesting.
        if info.context is _DUMPED:
            return data
        try:
            check_json(data)
        except InputLimit as exc:
            raise ValueError(f"{exc.where}: {exc.message}") from None
        return data

    @field_validator("created_at", mode="before")
    @classmethod
    def _iso_only(cls, v: Any) -> Any:
        # A bare number would be read as seconds since 1970: refuse it rather than guess.
        if not isinstance(v, str | datetime):
            raise ValueError("created_at must be an ISO 8601 time, e.g. 2026-01-31T10:00:00Z")
        return v

    @field_validator("created_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        # Orders from many time zones are compared in one history: naive times would be guesses.
        if v.tzinfo is None:
            raise ValueError("created_at needs a time zone offset, e.g. 2026-01-31T10:00:00Z")
        try:
            return check_time(v, "created_at")
        except InputLimit as exc:
            raise ValueError(f"created_at {exc.message}") from None

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if info.context is _DUMPED:
            return v
        try:
            check_json(v, "metadata", max_depth=METADATA_MAX_DEPTH)
        except InputLimit as exc:
            raise ValueError(f"{exc.where}: {exc.message}") from None
        if len(json.dumps(v, ensure_ascii=False).encode()) > METADATA_MAX_BYTES:
            raise ValueError(f"metadata is larger than {METADATA_MAX_BYTES} bytes as JSON")
        return v

    @model_validator(mode="after")
    def _roles(self) -> Order:
        if not any(p.role in (PartyRole.BUYER, PartyRole.CONSIGNEE) for p in self.parties):
            raise ValueError("an order needs a party with role 'buyer' or 'consignee'")
        if len(self.customer_key) > 600:
            raise ValueError(
                "merchant_id plus the buyer's customer_id, email or name is longer than "
                "600 characters"
            )
        return self

    # Convenience views used by assessors and the policy language.
    def party(self, role: PartyRole) -> Party | None:
        return next((p for p in self.parties if p.role == role), None)

    @property
    def buyer(self) -> Party:
        found = self.party(PartyRole.BUYER) or self.party(PartyRole.CONSIGNEE)
        assert found is not None  # guaranteed by _roles
        return found

    @property
    def ship_to(self) -> Address | None:
        for role in (PartyRole.RECIPIENT, PartyRole.CONSIGNEE, PartyRole.BUYER):
            p = self.party(role)
            if p is not None and p.address is not None:
                return p.address
        return None

    @property
    def bill_to(self) -> Address | None:
        for role in (PartyRole.PAYER, PartyRole.BUYER):
            p = self.party(role)
            if p is not None and p.address is not None:
                return p.address
        return None

    @property
    def customer_key(self) -> str:
        """Stable key for the customer's history: customer id, else email, else name."""
        b = self.buyer
        return f"{self.merchant_id}:{b.customer_id or b.email or b.name.casefold()}"
