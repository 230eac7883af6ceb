"""Block/allow lists kept by analysts: the engine's in-memory cache and the entries' lifecycle."""

from borderline.lists.cache import ListCache
from borderline.lists.entries import (
    ListEntries,
    add_entry,
    list_add_record,
    list_remove_record,
    validate_entry,
)

__all__ = [
    "ListCache",
    "ListEntries",
    "add_entry",
    "list_add_record",
    "list_remove_record",
    "validate_entry",
]
