"""Who a person is, for four eyes: one comparison used by the API keys and the policy steps."""

from __future__ import annotations


def same_person(a: str | None, b: str | None) -> bool:
    """Identities compare without case or surrounding space: "Ada" and "ada " are one person."""
    if not a or not b:
        return False
    return a.strip().casefold() == b.strip().casefold()
