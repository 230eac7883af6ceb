"""What detection reports: one typed span of personal data with its score and explanation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# The public type names (issue 6, "keep exact"). Presidio uses the same spelling for the
# types it shares with us, so results can be compared without a mapping table for most.
ENTITY_TYPES: tuple[str, ...] = (
    "PERSON",
    "ORGANIZATION",
    "ADDRESS",
    "LOCATION",
    "POSTAL_CODE",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "URL",
    "IP_ADDRESS",
    "CREDIT_CARD",
    "IBAN_CODE",
    "BANK_ACCOUNT",
    "DATE_TIME",
    "PASSPORT",
    "NATIONAL_ID",
    "TAX_ID",
    "DRIVER_LICENSE",
)


@dataclass(frozen=True, slots=True)
class Entity:
    """A span ``text[start:end]`` (character offsets, end exclusive) that holds personal data.

    ``explanation`` says which recognizer fired, on which pattern, whether a checksum passed
    and which context words were seen; ``country`` and ``kind`` are set for identifiers.
    ``path`` is the field path when the span was found inside a structured record.
    """

    type: str
    start: int
    end: int
    score: float
    explanation: str
    recognizer: str = ""
    country: str | None = None
    kind: str | None = None
    path: str | None = None
    text: str = field(default="", repr=False, compare=False)

    def to_json(self, *, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 3),
            "explanation": self.explanation,
        }
        if self.country:
            out["country"] = self.country
        if self.kind:
            out["kind"] = self.kind
        if self.path is not None:
            out["path"] = self.path
        if with_text:
            out["text"] = self.text
        return out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
