"""Built-in assessors that need no reference data: order consistency and block/allow lists."""

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
