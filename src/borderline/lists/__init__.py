"""Block/allow lists kept by analysts: the engine's in-memory cache and the entries' lifecycle.

Public API: ``ListCache`` (what the engine looks values up in), ``ListEntries`` (add and
remove, ledgered), ``add_entry``, ``validate_entry``, and the ledger resolvers
``list_add_record`` / ``list_remove_record``.
"""

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
