"""Built-in assessors that need no reference data: order consistency and block/allow lists.

Public API: ``LIST_KINDS`` (what a list entry can match: email, ip, card, …) and
``normalise_value`` (an entry's value as the lists assessor compares it). The assessors
themselves are reached through their entry points (``consistency``, ``lists``).
"""

from typing import TYPE_CHECKING

from borderline.lazy import lazy_exports

if TYPE_CHECKING:
    from borderline.assessors.lists import LIST_KINDS, normalise_value

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".lists": ("LIST_KINDS", "normalise_value"),
    },
)

__all__ = [
    "LIST_KINDS",
    "normalise_value",
]
