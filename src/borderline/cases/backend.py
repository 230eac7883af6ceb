"""What case operations receive from the application: a narrow protocol, never the app."""

from __future__ import annotations

from typing import Protocol

from borderline.store.ports import LabelRecorder, ListInvalidator, Storage


class CaseBackend(Storage, LabelRecorder, Protocol):
    """What case operations need: sessions, the ledger, label recording (dispositions) and the
    list cache (allow-listing a party)."""

    @property
    def lists(self) -> ListInvalidator: ...
