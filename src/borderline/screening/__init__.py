"""Sanctions and denied-party screening.

Public API (kept stable; other tools depend on it; the rest is internal):

- ``screen(query) -> list[Match]``: search every active list for a name (``query`` is a
  ``Query`` or a plain name); ``parse_kind``, ``parse_dob``, ``KINDS`` read its qualifiers.
- ``compare(name_a, name_b, kind="any") -> MatchResult``: score two names with the matcher;
  ``vocabulary`` is its token table.
- ``load(path, format)``: parse one official list file into ``Entity`` records (``FORMATS``,
  ``LoadedList``; ``Name``, ``Identifier``, ``PartialDate``, ``EntityKind``);
  ``diff_entities`` compares two versions.
- ``THRESHOLD``, ``ALGORITHM``: the documented decision threshold and algorithm version.
- Active lists: ``use_data_dir`` (where imports and the index are kept: the application and
  the CLI hand it in), ``active_lists``, ``load_snapshot``, ``current_index``
  (``ScreeningIndex``, ``ListInfo``), ``import_list``, ``update_lists``, ``list_status``,
  ``ListVersionRow``.
- Batches: ``read_queries``, ``plan_row``, ``BatchQuery``, ``screen_rows``, ``read_pairs``.
- Orders and analysts: ``ScreeningAssessor`` (entry point ``screening``), ``hits_for_order``;
  the whitelist ``add_whitelist``, ``add_whitelist_in``, ``revoke_whitelist``,
  ``list_whitelist``, ``refresh_whitelist``, ``whitelist_snapshot``, ``replace_whitelist``,
  ``WhitelistDecision``, ``party_key``; ``register_resolvers`` for ``ledger verify``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from borderline.errors import InvalidInput
from borderline.lazy import lazy_exports
from borderline.screening.index import ListInfo, Match, Query, ScreeningIndex
from borderline.screening.loaders import FORMATS, LoadedList, load
from borderline.screening.matcher import (
    ALGORITHM,
    MAX_NAME_CHARS,
    THRESHOLD,
    MatchResult,
    vocabulary,
)
from borderline.screening.model import Entity, EntityKind, Identifier, Name, PartialDate
from borderline.screening.whitelist import Decision as WhitelistDecision
from borderline.screening.whitelist import replace_all as replace_whitelist
from borderline.screening.whitelist import snapshot as whitelist_snapshot

if TYPE_CHECKING:
    from borderline.screening.assessor import ScreeningAssessor
    from borderline.screening.batch import (
        BatchQuery,
        plan_row,
        read_pairs,
        read_queries,
        screen_rows,
    )
    from borderline.screening.diff import diff_entities
    from borderline.screening.registry import (
        active_lists,
        current_index,
        load_snapshot,
        use_data_dir,
    )
    from borderline.screening.service import (
        add_whitelist,
        add_whitelist_in,
        hits_for_order,
        import_list,
        list_status,
        list_whitelist,
        refresh_whitelist,
        register_resolvers,
        revoke_whitelist,
        update_lists,
    )
    from borderline.screening.store import ListVersionRow
    from borderline.screening.whitelist import party_key

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        ".assessor": ("ScreeningAssessor",),
        ".batch": ("BatchQuery", "plan_row", "read_pairs", "read_queries", "screen_rows"),
        ".diff": ("diff_entities",),
        ".registry": ("active_lists", "current_index", "load_snapshot", "use_data_dir"),
        ".service": (
            "add_whitelist",
            "add_whitelist_in",
            "hits_for_order",
            "import_list",
            "list_status",
            "list_whitelist",
            "refresh_whitelist",
            "register_resolvers",
            "revoke_whitelist",
            "update_lists",
        ),
        ".store": ("ListVersionRow",),
        ".whitelist": ("party_key",),
    },
)


KINDS = ("person", "organization", "vessel", "aircraft", "any")


def parse_kind(kind: str | EntityKind | None, where: str = "type") -> EntityKind | None:
    """``person|organization|vessel|aircraft|any`` (or empty) to an ``EntityKind``/None."""
    if kind is None or isinstance(kind, EntityKind):
        return None if kind in (None, EntityKind.UNKNOWN) else kind
    k = kind.strip().lower()
    if k in ("", "any"):
        return None
    aliases = {
        "organisation": "organization",
        "company": "organization",
        "entity": "organization",
        "individual": "person",
        "ship": "vessel",
    }
    k = aliases.get(k, k)
    try:
        return EntityKind(k)
    except ValueError:
        raise InvalidInput(
            f"type must be one of {', '.join(KINDS)}, not {kind!r}", where=where
        ) from None


def parse_dob(value: str | None, where: str = "dob") -> PartialDate | None:
    """A date of birth in any layout ``borderline.screening.dates`` reads, or None if empty."""
    from borderline.screening.dates import parse_date

    if value is None or not str(value).strip():
        return None
    try:
        return parse_date(str(value))
    except ValueError as exc:
        raise InvalidInput(str(exc), where=where) from None


def screen(query: Query | str) -> list[Match]:
    """Matches of ``query`` on the active lists, best first, at or above its threshold."""
    from borderline.screening.registry import current_index

    if isinstance(query, str):
        query = Query(name=query)
    return current_index().search(query)


def compare(name_a: str, name_b: str, kind: str | EntityKind | None = "any") -> MatchResult:
    """Score two names (no qualifiers) with the current algorithm."""
    from borderline.screening.index import compare_prepared
    from borderline.screening.matcher import prepare

    k = parse_kind(kind) or EntityKind.UNKNOWN
    for where, name in (("name_a", name_a), ("name_b", name_b)):
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput("name is empty", where=where)
        if len(name) > MAX_NAME_CHARS:
            raise InvalidInput(
                f"name has {len(name)} characters; at most {MAX_NAME_CHARS}", where=where
            )
    a, b = prepare(name_a, k), prepare(name_b, k)
    if not a.tokens or not b.tokens:
        raise InvalidInput(
            "name has no letters or digits", where="name_a" if not a.tokens else "name_b"
        )
    return compare_prepared(a, b)


__all__ = [
    "ALGORITHM",
    "FORMATS",
    "KINDS",
    "THRESHOLD",
    "BatchQuery",
    "Entity",
    "EntityKind",
    "Identifier",
    "ListInfo",
    "ListVersionRow",
    "LoadedList",
    "Match",
    "MatchResult",
    "Name",
    "PartialDate",
    "Query",
    "ScreeningAssessor",
    "ScreeningIndex",
    "WhitelistDecision",
    "active_lists",
    "add_whitelist",
    "add_whitelist_in",
    "compare",
    "current_index",
    "diff_entities",
    "hits_for_order",
    "import_list",
    "list_status",
    "list_whitelist",
    "load",
    "load_snapshot",
    "parse_dob",
    "parse_kind",
    "party_key",
    "plan_row",
    "read_pairs",
    "read_queries",
    "refresh_whitelist",
    "register_resolvers",
    "replace_whitelist",
    "revoke_whitelist",
    "screen",
    "screen_rows",
    "update_lists",
    "use_data_dir",
    "vocabulary",
    "whitelist_snapshot",
]
