"""The engine's screening assessor: every party on an order against every active list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

from borderline.engine.assessor import AssessContext, BaseAssessor
from borderline.errors import InvalidInput
from borderline.model import Finding, Order, Party, PartyKind, Severity
from borderline.refdata.datasets import staleness
from borderline.screening import whitelist
from borderline.screening.index import Match, Query, ScreeningIndex
from borderline.screening.matcher import ALGORITHM, THRESHOLD
from borderline.screening.model import EntityKind, Identifier, PartialDate

_ID_KINDS = {
    "passport": "passport",
    "national_id": "national_id",
    "tax_id": "tax_id",
    "lei": "lei",
    "imo": "imo",
    "bic": "bic",
}


def party_query(party: Party, threshold: float, limit: int) -> Query:
    kind = EntityKind.PERSON if party.kind == PartyKind.PERSON else EntityKind.ORGANIZATION
    dob = None
    if party.date_of_birth is not None:
        d = party.date_of_birth
        dob = PartialDate(d.year, d.month, d.day)
    country = party.nationality or (party.address.country if party.address else None)
    ids = tuple(
        Identifier(_ID_KINDS.get(i.kind.lower(), i.kind.lower()), i.value, i.country)
        for i in party.identifiers
    )
    return Query(
        name=party.name,
        kind=kind,
        country=country,
        dob=dob,
        identifiers=ids,
        threshold=threshold,
        limit=limit,
    )


_QueryKey = tuple[Any, ...]


def _query_key(q: Query) -> _QueryKey:
    return (q.name, q.kind, q.country, q.dob, q.identifiers, q.threshold, q.limit, q.lists)


def _query_of(key: _QueryKey) -> Query:
    name, kind, country, dob, ids, threshold, limit, lists = key
    return Query(
        name=name,
        kind=kind,
        country=country,
        dob=dob,
        identifiers=ids,
        threshold=threshold,
        limit=limit,
        lists=lists,
    )


def party_keys(party: Party) -> list[str]:
    dob = party.date_of_birth.isoformat() if party.date_of_birth else None
    keys = [whitelist.party_key(party.name, dob=dob), whitelist.party_key(party.name)]
    if party.customer_id:
        keys.insert(0, whitelist.party_key(party.name, customer_id=party.customer_id))
    return keys


def _severity(score: float) -> Severity:
    if score >= 0.95:
        return Severity.CRITICAL
    if score >= 0.9:
        return Severity.HIGH
    return Severity.MEDIUM


class ScreeningAssessor(BaseAssessor):
    """Screens buyer, recipient, payer, seller, consignee, notify party and forwarder.

    One finding per list with hits: ``screening.sanctions.<list>`` (e.g.
    ``screening.sanctions.us_ofac_sdn``), severity and score from the best match score.
    Hits an analyst whitelisted for this party are left out and reported in an info finding.
    A hit a name-only whitelist decision (stored before those were refused) would have cleared
    stays, with a ``screening.whitelist.name_only`` finding naming the decision. A list older
    than its freshness limit (``max_list_age_days``, per list name or ``default``, against the
    order's date) gets a ``screening.data.stale`` finding naming the list and its date.
    """

    name: ClassVar[str] = "screening"
    version: ClassVar[str] = f"1.0+match.{ALGORITHM}"
    finding_codes: ClassVar[Mapping[str, str]] = {
        "screening.sanctions.*": "a party matches an entry of this sanctions or denied-party list",
        "screening.summary": "parties screened, lists used and hits found (always present)",
        "screening.whitelist.name_only": "a name-only whitelist decision no longer clears a hit",
        "screening.data.stale": "a list screened against is older than its freshness limit",
    }
    defaults: ClassVar[Mapping[str, Any]] = {
        "threshold": THRESHOLD,  # match score at which a hit is reported
        "max_hits_per_party": 5,  # best hits kept per party
        "lists": None,  # restrict to these list names; None means every active list
        # Days a list may age (against the order's date) before decisions say it is stale:
        # per list name, "default" for the others.
        "max_list_age_days": {"default": 30},
    }
    signals: ClassVar[Mapping[str, str]] = {
        "screening.max_score": "best sanctions match score over all parties, 0-1",
        "screening.hits": "number of sanctions hits (party x listed entity) on the order",
    }

    def __init__(
        self, config: Mapping[str, Any] | None = None, index: ScreeningIndex | None = None
    ) -> None:
        super().__init__(config)
        self._index = index
        ages = self.config["max_list_age_days"]
        if not isinstance(ages, Mapping) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ages.values()
        ):
            raise InvalidInput(
                "a mapping of list name (or 'default') to a whole number of days >= 0",
                where="assessors.screening.max_list_age_days",
            )

    def max_age(self, list_name: str) -> int:
        ages = self.config["max_list_age_days"]
        return int(ages.get(list_name, ages.get("default", 30)))

    def __getstate__(self) -> dict[str, Any]:
        # Pickled into Spark tasks: the index is reloaded from the data dir, not shipped.
        return {"config": self.config, "_index": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]
        self._index = state["_index"]
        self._searched = None

    # The same party comes back order after order (a seller on every one of its orders, a
    # returning buyer), and a search is a pure function of the index and the query: the
    # answers of the last SEARCH_CACHE distinct queries are kept per index (a new index —
    # a list imported — starts afresh).
    SEARCH_CACHE: ClassVar[int] = 16_384
    _searched: tuple[ScreeningIndex, Callable[[_QueryKey], tuple[Match, ...]]] | None = None

    def search(self, idx: ScreeningIndex, q: Query) -> tuple[Match, ...]:
        """``idx.search(q)``, answered from the cache when the same query was searched."""
        memo = self._searched
        if memo is None or memo[0] is not idx:

            def run(key: _QueryKey) -> tuple[Match, ...]:
                return tuple(idx.search(_query_of(key)))

            memo = (idx, lru_cache(maxsize=self.SEARCH_CACHE)(run))
            self._searched = memo
        return memo[1](_query_key(q))

    @property
    def index(self) -> ScreeningIndex:
        if self._index is not None:
            return self._index
        from borderline.screening.registry import current_index

        return current_index()

    def _stale_lists(
        self, idx: ScreeningIndex, on: date, only: list[str] | None
    ) -> list[dict[str, Any]]:
        """The lists screened against that are older than their limit on ``on``."""
        out = []
        for name, info in sorted(idx.lists.items()):
            if only and name not in only:
                continue
            published = date.fromisoformat(info.published) if info.published else None
            limit = self.max_age(name)
            why = staleness(f"{name} ({info.title})", published, on, limit)
            if why is not None:
                out.append(
                    {
                        "list": name,
                        "version": info.version,
                        "published": info.published,
                        "age_days": (on - published).days if published else None,
                        "max_age_days": limit,
                        "why": why,
                    }
                )
        return out

    def assess(self, order: Order, ctx: AssessContext) -> list[Finding]:
        idx = self.index
        threshold = float(self.config["threshold"])
        lists = self.config["lists"]
        by_list: dict[str, list[dict[str, Any]]] = defaultdict(list)
        suppressed: list[dict[str, Any]] = []
        unhonoured: list[dict[str, Any]] = []
        max_score = 0.0
        for i, party in enumerate(order.parties):
            q = party_query(party, threshold, int(self.config["max_hits_per_party"]))
            if lists:
                q.lists = tuple(lists)
            matches = self.search(idx, q)
            keys = party_keys(party)
            for m in matches:
                hit = {
                    "party": f"parties[{i}]({party.role})",
                    "party_name": party.name,
                    "list": m.list,
                    "source_id": m.source_id,
                    "name": m.name,
                    "matched_name": m.matched_name,
                    "score": m.score,
                    "programs": list(m.entity.programs),
                    "explanation": m.explanation,
                }
                wl = whitelist.lookup(keys, m.list, m.source_id, ctx.now)
                if wl is not None:
                    suppressed.append({**hit, "whitelist_reason": wl.reason})
                    continue
                old = whitelist.unhonoured(keys, m.list, m.source_id, ctx.now)
                if old is not None:
                    unhonoured.append(
                        {
                            "party": hit["party"],
                            "party_name": party.name,
                            "list": m.list,
                            "source_id": m.source_id,
                            "whitelist_id": old.id,
                            "party_key": old.party_key,
                            "whitelist_reason": old.reason,
                        }
                    )
                by_list[m.list].append(hit)
                max_score = max(max_score, m.score)
        findings: list[Finding] = []
        versions = {k: v.version for k, v in idx.lists.items()}
        for list_name, hits in sorted(by_list.items()):
            hits.sort(key=lambda h: -float(h["score"]))
            best = hits[0]
            findings.append(
                self.finding(
                    f"screening.sanctions.{list_name}",
                    f"{best['party_name']!r} ({best['party']}) matches {best['name']!r} on "
                    f"{list_name} with score {best['score']:.2f}"
                    + (f" (+{len(hits) - 1} more)" if len(hits) > 1 else ""),
                    severity=_severity(float(best["score"])),
                    score=round(100 * float(best["score"]), 2),
                    evidence={"hits": hits, "list_version": versions.get(list_name)},
                    actions=["hold_shipment", "manual_review"],
                    source=f"{list_name}@{versions.get(list_name)}; match {ALGORITHM}",
                )
            )
        for u in unhonoured:
            findings.append(
                self.finding(
                    "screening.whitelist.name_only",
                    f"whitelist decision {u['whitelist_id']} on the name {u['party_name']!r} for "
                    f"{u['list']}:{u['source_id']} no longer clears the hit: "
                    + whitelist.NAME_ONLY_REASON,
                    severity=Severity.LOW,
                    evidence=u,
                    actions=["manual_review"],
                )
            )
        stale = self._stale_lists(idx, order.created_at.date(), lists)
        if stale:
            findings.append(
                self.finding(
                    "screening.data.stale",
                    f"screened against an old list: {stale[0]['why']}"
                    + (f" (+{len(stale) - 1} more)" if len(stale) > 1 else ""),
                    severity=Severity.LOW,
                    evidence={"stale": stale},
                )
            )
        n_hits = sum(len(h) for h in by_list.values())
        findings.append(
            self.finding(
                "screening.summary",
                f"{len(order.parties)} parties screened against {len(idx.lists)} lists: "
                f"{n_hits} hit(s)" + (f", {len(suppressed)} whitelisted" if suppressed else ""),
                evidence={"whitelisted": suppressed, "lists": versions}
                if suppressed
                else {"lists": versions},
                signals={"screening.max_score": round(max_score, 4), "screening.hits": n_hits},
            )
        )
        return findings
