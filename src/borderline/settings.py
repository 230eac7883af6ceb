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
    max_body_bytes: int = field(default_factory=lambda: int(env("MAX_BODY_BYTES")))
    max_batch: int = field(default_factory=lambda: int(env("MAX_BATCH")))
    policy_file: str = field(default_factory=lambda: env("POLICY_FILE"))
    session_secret: str = field(default_factory=lambda: env("SESSION_SECRET"))
    log_level: str = field(default_factory=lambda: env("LOG_LEVEL"))
    assessors: str = field(default_factory=lambda: env("ASSESSORS"))

    @property
    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'borderline.db').resolve()}"
