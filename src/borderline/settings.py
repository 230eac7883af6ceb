"""Settings from the environment, each documented in docs/settings.md (a test checks that)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "BORDERLINE_"

# name -> (default, description). docs/settings.md must document every one of these.
SETTINGS: dict[str, tuple[str, str]] = {
    "DATA_DIR": ("./borderline-data", "Folder for the SQLite database, ledger key and indexes."),
    "DATABASE_URL": (
        "",
        "SQLAlchemy URL; empty means SQLite in DATA_DIR. PostgreSQL: "
        "postgresql+psycopg://user@host/db",
    ),
    "LEDGER_ORIGIN": ("borderline.local/ledger", "Origin line of signed checkpoints."),
    "LEDGER_KEY_FILE": (
        "",
        "Ed25519 private key (PEM); empty means DATA_DIR/ledger-key.pem, created on first start.",
    ),
    "LEDGER_CHECKPOINT_EVERY": (
        "1000",
        "Sign a ledger checkpoint automatically each time the log crosses a multiple of this "
        "many entries.",
    ),
    "LEDGER_CHECKPOINT_SECONDS": (
        "60",
        "…and on the first append this many seconds after the last checkpoint.",
    ),
    "MAX_INFLIGHT": (
        "64",
        "Most API requests handled at once per process; more are answered 503 with Retry-After.",
    ),
    "KEY_CACHE_SECONDS": (
        "2",
        "How long the API remembers an API key that authenticated (per process); a key "
        "revoked elsewhere stops working within this many seconds. 0 looks every key up.",
    ),
    "MAX_BODY_BYTES": ("2000000", "Largest request body the API accepts, in bytes."),
    "MAX_BATCH": ("1000", "Most orders in one POST /v1/decisions:batch."),
    "POLICY_FILE": ("", "Policy to activate on first start; empty means the built-in default."),
    "SESSION_SECRET": (
        "",
        "Secret for signing web sessions; empty means generated into DATA_DIR on first start.",
    ),
    "LOG_LEVEL": ("WARNING", "Python logging level."),
    "LLM_ENDPOINT": (
        "",
        "Base URL of an OpenAI-compatible API (…/v1) for the optional LLM HS "
        "classification backend; empty means the backend is off.",
    ),
    "LLM_MODEL": ("", "Model name to ask at LLM_ENDPOINT."),
    "LLM_API_KEY": ("", "Bearer key for LLM_ENDPOINT, if it needs one."),
    "EMBEDDING_MODEL": (
        "",
        "Local folder of a sentence-transformers model for the optional embedding HS "
        "classification backend (needs the embeddings extra); never downloaded.",
    ),
    "EMBEDDING_CACHE": (
        "",
        "Folder for the embedding backend's cached nomenclature embeddings and ranker; "
        "empty means DATA_DIR/hs-embeddings.",
    ),
    "WEBHOOKS_DISPATCH": (
        "1",
        "1 runs the outbound webhook dispatcher inside `borderline serve`; 0 leaves delivery "
        "to `borderline webhooks deliver` (e.g. from cron or a separate worker).",
    ),
    "WEBHOOKS_MAX_ATTEMPTS": ("12", "Delivery attempts per webhook event before giving up."),
    "WEBHOOKS_BACKOFF_SECONDS": (
        "10",
        "First retry delay of a failed webhook delivery; doubles each attempt (capped at 6 h).",
    ),
    "WEBHOOKS_TIMEOUT_SECONDS": ("10", "Time limit of one webhook delivery request."),
    "WEBHOOKS_POLL_SECONDS": ("1", "How often the dispatcher looks for due deliveries."),
    "SHOPIFY_SECRET": (
        "",
        "The Shopify app's client secret that signs orders/create webhooks "
        "(X-Shopify-Hmac-Sha256); empty means POST /v1/intake/shopify answers 401.",
    ),
    "WOOCOMMERCE_SECRET": (
        "",
        "The secret of the WooCommerce order.created webhook (X-WC-Webhook-Signature); "
        "empty means POST /v1/intake/woocommerce answers 401.",
    ),
    "STRIPE_WEBHOOK_SECRET": (
        "",
        "The Stripe endpoint's signing secret (whsec_…) for Stripe-Signature; empty means "
        "POST /v1/intake/stripe answers 401.",
    ),
    "STRIPE_TOLERANCE_SECONDS": (
        "300",
        "Oldest Stripe-Signature timestamp accepted, in seconds (replay protection).",
    ),
    "INTAKE_ORIGIN_COUNTRY": (
        "",
        "Country the shop ships from (ISO alpha-2), used when a storefront order does not "
        "say; empty means such orders are refused with 422.",
    ),
    "SHOPIFY_ADMIN_TOKEN": (
        "",
        "Admin API access token (write_orders) for writing each decision back to Shopify as "
        "an order risk assessment; empty means no write-back.",
    ),
    "SHOPIFY_API_VERSION": ("2025-04", "Shopify Admin GraphQL API version for write-back."),
    "SHOPIFY_ADMIN_URL": (
        "",
        "Base URL of the Shopify Admin API for write-back; empty means https://<shop domain> "
        "from the webhook's X-Shopify-Shop-Domain header.",
    ),
    "ASSESSOR_CONFIG": (
        "",
        "Engine configuration (assessor settings, seller registrations, FX) to activate on "
        "first start; later versions go through `borderline config draft`/`activate`.",
    ),
    "REFDATA_DIR": (
        "",
        "Folder of reference data updated by `borderline data update`; empty means "
        "DATA_DIR/refdata.",
    ),
    "ASSESSORS": (
        "",
        "Comma-separated assessors to run, in order (e.g. consistency,lists); "
        "empty means every installed one.",
    ),
}


def env(name: str) -> str:
    if name not in SETTINGS:
        raise KeyError(f"undocumented setting {ENV_PREFIX}{name}")
    return os.environ.get(ENV_PREFIX + name, SETTINGS[name][0])


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(env("DATA_DIR")))
    database_url: str = field(default_factory=lambda: env("DATABASE_URL"))
    ledger_origin: str = field(default_factory=lambda: env("LEDGER_ORIGIN"))
    ledger_key_file: str = field(default_factory=lambda: env("LEDGER_KEY_FILE"))
    ledger_checkpoint_every: int = field(
        default_factory=lambda: int(env("LEDGER_CHECKPOINT_EVERY"))
    )
    ledger_checkpoint_seconds: float = field(
        default_factory=lambda: float(env("LEDGER_CHECKPOINT_SECONDS"))
    )
    max_inflight: int = field(default_factory=lambda: int(env("MAX_INFLIGHT")))
    key_cache_seconds: float = field(default_factory=lambda: float(env("KEY_CACHE_SECONDS")))
    max_body_bytes: int = field(default_factory=lambda: int(env("MAX_BODY_BYTES")))
    max_batch: int = field(default_factory=lambda: int(env("MAX_BATCH")))
    policy_file: str = field(default_factory=lambda: env("POLICY_FILE"))
    session_secret: str = field(default_factory=lambda: env("SESSION_SECRET"))
    log_level: str = field(default_factory=lambda: env("LOG_LEVEL"))
    assessors: str = field(default_factory=lambda: env("ASSESSORS"))
    assessor_config: str = field(default_factory=lambda: env("ASSESSOR_CONFIG"))
    embedding_model: str = field(default_factory=lambda: env("EMBEDDING_MODEL"))
    embedding_cache: str = field(default_factory=lambda: env("EMBEDDING_CACHE"))

    @property
    def embedding_cache_dir(self) -> Path:
        return (
            Path(self.embedding_cache) if self.embedding_cache else self.data_dir / "hs-embeddings"
        )

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'borderline.db').resolve()}"
