"""The narrow things a domain receives from the application: a session factory and a ledger.

Domains type their arguments with these protocols, never with the application object, so a
domain can be driven by anything that can open a session and append to the ledger (the
application, a test, a batch job) and never imports the layers above it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from borderline.model import Receipt

SessionFactory = sessionmaker[Session]


class LedgerAppender(Protocol):
    """Appends an entry in the caller's transaction: it lands with the change, or not at all."""

    def append(
        self, session: Session, *, kind: str, subject: str, record: Mapping[str, Any]
    ) -> Receipt: ...

    def append_many(
        self, session: Session, entries: Iterable[tuple[str, str, Mapping[str, Any]]]
    ) -> list[Receipt]: ...


class Storage(Protocol):
    """A session factory and a ledger appender: what most domain operations need."""

    @property
    def sessions(self) -> SessionFactory: ...

    @property
    def ledger(self) -> LedgerAppender: ...


class LabelRecorder(Protocol):
    """Records outcome labels inside the caller's transaction (used by case dispositions)."""

    def add_labels(
        self, labels: Any, actor: str, session: Session | None = None
    ) -> list[dict[str, Any]]: ...


class ListInvalidator(Protocol):
    """The engine's block/allow list cache, told to reload after a list change commits."""

    def invalidate(self) -> None: ...
