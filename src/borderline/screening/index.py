"""In-memory candidate index: token, deletion-neighbourhood, phonetic, skeleton and character
trigram blocking over every name of every loaded list, built once and pickled to disk.

Search = block (cheap, numpy) -> align the best few dozen names exactly (``matcher``) ->
qualifiers -> one best match per listed entity.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from borderline.errors import InvalidInput
from borderline.screening.loaders import LoadedList
from borderline.screening.matcher import (
    ALGORITHM,
    COUNTRY_MATCH,
    DOB_EXACT,
    NORMAL,
    THRESHOLD,
    MatchResult,
    NameScore,
    Prepared,
    Qualifier,
    apply_qualifiers,
    explain,
    fold,
    prepare,
    score_names,
)
from borderline.screening.model import Entity, EntityKind, Name
from borderline.screening.packed import Packed
from borderline.screening.parties import LIST_PRIORITY, _priority, group_listings
from borderline.screening.query import ListInfo, Match, Query
from borderline.text import phonetic, skeleton

# How many blocked names are aligned exactly per query. More costs time, fewer costs recall.
_TOP_K = 20
# A blocked name must have collected this share of the query's blockable weight.
_MIN_SHARE = 0.3
# Phonetic/skeleton buckets larger than this are too vague to block on.
_MAX_BUCKET = 300
_INDEX_FORMAT = 8

T = TypeVar("T")


# Words that join two names: an alias that starts or ends with one was cut out of a longer
# text ("and David Lee" from "Babak JAFARPOUR and David Lee").
_JOINERS = frozenset({"and", "or", "und", "et", "y", "va", "ve"})


def is_fragment(prep: Prepared, kind: EntityKind) -> bool:
    """An alias too broken to match on its own: cut from a longer text, or (for a person) a
    single word, which only says "someone called Ali"."""
    toks = prep.tokens
    if toks[0] in _JOINERS or toks[-1] in _JOINERS:
        return True
    return kind is EntityKind.PERSON and len(toks) == 1


def _deletes(token: str) -> list[str]:
    return [token[:i] + token[i + 1 :] for i in range(len(token))]


def _trigrams(token: str) -> set[str]:
    padded = f"^{token}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass
class ScreeningIndex:
    """Every name of every loaded list, ready to search. Build with ``build``."""

    algorithm: str
    lists: dict[str, ListInfo]
    entities: Packed[Entity]
    name_entity: np.ndarray
    name_index: np.ndarray  # which name of the entity
    # Low-quality aliases (the list says so, or the alias is a fragment): exact matches only.
    name_weak: np.ndarray
    names: Packed[Prepared]
    postings: dict[str, np.ndarray]
    deletes: dict[str, tuple[str, ...]]
    phon: dict[str, tuple[str, ...]]
    folds: dict[str, tuple[str, ...]]
    name_wsum: np.ndarray
    skel: dict[str, tuple[str, ...]]
    vocab: list[str]
    trigrams: dict[str, np.ndarray]
    fingerprint: str = ""
    # Entity -> id of its listed party (entities of one party on several lists share it).
    groups: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    format: int = _INDEX_FORMAT
    _cache: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict, repr=False)
    _masks: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict, repr=False)
    _expanded: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, loaded: Iterable[LoadedList]) -> ScreeningIndex:
        loaded = list(loaded)
        entities: list[Entity] = []
        infos: dict[str, ListInfo] = {}
        for ll in loaded:
            infos[ll.name] = ListInfo(
                ll.name,
                ll.title,
                ll.version,
                ll.published.isoformat() if ll.published else None,
                len(ll.entities),
                ll.source,
                ll.format,
            )
            entities.extend(ll.entities)
        name_entity: list[int] = []
        name_index: list[int] = []
        name_weak: list[bool] = []
        names: list[Prepared] = []
        post: dict[str, list[int]] = defaultdict(list)
        for ei, ent in enumerate(entities):
            seen: set[str] = set()
            for ni, nm in enumerate(ent.names):
                prep = prepare(nm.full, ent.kind)
                if not prep.tokens or (prep.key in seen and not nm.weak):
                    continue
                seen.add(prep.key)
                nid = len(names)
                names.append(prep)
                name_entity.append(ei)
                name_index.append(ni)
                name_weak.append(nm.weak or (ni > 0 and is_fragment(prep, ent.kind)))
                for tok in set(prep.tokens):
                    post[tok].append(nid)
        vocab = sorted(post)
        deletes: dict[str, list[str]] = defaultdict(list)
        phon: dict[str, list[str]] = defaultdict(list)
        folds: dict[str, list[str]] = defaultdict(list)
        skel: dict[str, list[str]] = defaultdict(list)
        tri: dict[str, list[int]] = defaultdict(list)
        for vi, tok in enumerate(vocab):
            if tok.isdigit():
                continue
            if len(tok) >= 4:
                for d in _deletes(tok):
                    deletes[d].append(tok)
            if len(tok) >= 3:
                if p := phonetic(tok):
                    phon[p].append(tok)
                folds[fold(tok)].append(tok)
                if len(sk := skeleton(tok)) >= 2:
                    skel[sk].append(tok)
            if len(tok) >= 5:
                for g in _trigrams(tok):
                    tri[g].append(vi)
        idx = cls(
            algorithm=ALGORITHM,
            lists=infos,
            entities=Packed(entities),
            name_entity=np.asarray(name_entity, dtype=np.int32),
            name_index=np.asarray(name_index, dtype=np.int16),
            name_weak=np.asarray(name_weak, dtype=bool),
            names=Packed(names),
            postings={t: np.asarray(v, dtype=np.int32) for t, v in post.items()},
            deletes={k: tuple(v) for k, v in deletes.items()},
            phon={k: tuple(v) for k, v in phon.items() if len(v) <= _MAX_BUCKET},
            folds={k: tuple(v) for k, v in folds.items() if len(v) <= _MAX_BUCKET},
            name_wsum=np.asarray([sum(n.weights) for n in names], dtype=np.float32),
            skel={k: tuple(v) for k, v in skel.items() if len(v) <= _MAX_BUCKET},
            vocab=vocab,
            trigrams={k: np.asarray(v, dtype=np.int32) for k, v in tri.items()},
        )
        idx.fingerprint = index_fingerprint(infos.values())
        idx.groups = group_listings(entities)
        return idx

    # -- persistence ------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically: a crash mid-write leaves the previous index in place."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                self._cache, self._masks, self._expanded = {}, {}, {}
                pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def load(path: Path) -> ScreeningIndex | None:
        """The pickled index, or None when absent, unreadable or built by other code."""
        # The collector would walk the half-built object graph again and again while it grows;
        # switching it off for the load halves the time.
        enabled = gc.isenabled()
        gc.disable()
        try:
            with path.open("rb") as fh:
                data = fh.read()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            obj = pickle.loads(data)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        finally:
            if enabled:
                gc.enable()
        if not isinstance(obj, ScreeningIndex) or obj.format != _INDEX_FORMAT:
            return None
        if obj.algorithm != ALGORITHM:
            return None
        obj._cache, obj._masks, obj._expanded = {}, {}, {}
        return obj

    # -- searching --------------------------------------------------------------------------

    def clear_cache(self) -> None:
        """Forget the token-pair similarities kept between searches (a cold search again)."""
        self._cache.clear()

    def _expand(self, tok: str) -> dict[str, float]:
        # Per process: a token screened once (a common given name) is not expanded again.
        hit = self._expanded.get(tok)
        if hit is None:
            if len(self._expanded) > 100_000:
                self._expanded.clear()
            hit = self._expanded[tok] = self._expand_new(tok)
        return hit

    def _expand_new(self, tok: str) -> dict[str, float]:
        out: dict[str, float] = {}
        if tok in self.postings:
            out[tok] = 1.0
        if tok.isdigit():
            return out
        if len(tok) >= 4:
            for d in (tok, *_deletes(tok)):
                # A listed token one letter longer (d == tok), one letter different, or one
                # letter shorter than the query (d is itself listed).
                for v in self.deletes.get(d, ()):
                    out.setdefault(v, 0.8)
                if d is not tok and d in self.postings:
                    out.setdefault(d, 0.8)
        if len(tok) >= 3:
            for v in self.folds.get(fold(tok), ()):
                out.setdefault(v, 0.9)
            for v in self.phon.get(phonetic(tok), ()):
                out.setdefault(v, 0.7)
            sk = skeleton(tok)
            if len(sk) >= 3:
                for v in self.skel.get(sk, ()):
                    out.setdefault(v, 0.7)
        if len(tok) >= 6 and len(out) <= 1:
            # Character trigrams catch what one edit cannot: joined or split words, two typos.
            grams = _trigrams(tok)
            arrays = [self.trigrams[g] for g in grams if g in self.trigrams]
            if arrays:
                counts = np.bincount(np.concatenate(arrays), minlength=len(self.vocab))
                need = max(3, int(len(grams) * 0.6))
                for vi in np.nonzero(counts >= need)[0][:50]:
                    out.setdefault(self.vocab[int(vi)], 0.6)
        return out

    def candidates(
        self, prep: Prepared, allowed: np.ndarray | None = None, min_share: float = _MIN_SHARE
    ) -> np.ndarray:
        """Name ids worth aligning exactly, most promising first."""
        n = len(self.names)
        use = [i for i, r in enumerate(prep.roles) if r == NORMAL] or list(range(len(prep.tokens)))
        total = 0.0
        id_parts: list[np.ndarray] = []
        sims: list[float] = []
        weights: list[float] = []
        sizes: list[int] = []
        for i in use:
            tok, w = prep.tokens[i], prep.weights[i]
            total += w
            for v, sim in self._expand(tok).items():
                ids = self.postings[v]
                # In a big index, tokens on a fifth of all names block nothing unless they are
                # all we have (a small index, e.g. of changed entries only, keeps them all).
                if len(ids) > n // 5 and n >= 5000 and len(use) > 1:
                    continue
                id_parts.append(ids)
                sims.append(w * sim)
                weights.append(w)
                sizes.append(len(ids))
        if total <= 0 or not id_parts:
            return np.empty(0, dtype=np.int64)
        # One sparse accumulation instead of a numpy call per expanded token.
        all_ids = np.concatenate(id_parts)
        uniq, inv = np.unique(all_ids, return_inverse=True)
        acc = np.bincount(inv, weights=np.repeat(np.asarray(sims), sizes))
        upper = np.bincount(inv, weights=np.repeat(np.asarray(weights), sizes))
        if allowed is not None:
            upper[~allowed[uniq]] = 0
        # A name that could not reach ``min_share`` of the query even if every blocked token
        # aligned perfectly cannot reach the threshold: drop it before exact alignment.
        keep = np.nonzero(upper >= total * min_share)[0]
        if len(keep) == 0:
            return keep
        hits = uniq[keep]
        a = acc[keep]
        # Rank by an estimate of the final score: share of the query and of the name covered.
        proxy = 0.6 * np.minimum(a / total, 1.0) + 0.4 * np.minimum(a / self.name_wsum[hits], 1.0)
        if len(hits) > _TOP_K:
            top = np.argpartition(-proxy, _TOP_K)[:_TOP_K]
            hits, proxy = hits[top], proxy[top]
        return hits[np.argsort(-proxy, kind="stable")]

    def search(self, query: Query) -> list[Match]:
        query.validate()
        kind = query.kind if query.kind not in (None, EntityKind.UNKNOWN) else None
        prep = prepare(query.name, kind or EntityKind.UNKNOWN)
        if not prep.tokens:
            raise InvalidInput("name has no letters or digits to screen", where="name")
        allowed = None
        if query.lists:
            unknown = [x for x in query.lists if x not in self.lists]
            if unknown:
                raise InvalidInput(
                    f"unknown list(s) {unknown}; loaded: {sorted(self.lists)}", where="lists"
                )
            allowed = self._list_mask(query.lists)
        if len(self._cache) > 200_000:
            self._cache.clear()
        best: dict[int, tuple[float, NameScore, list[Qualifier], Name]] = {}
        # Qualifiers add at most DOB_EXACT + COUNTRY_MATCH to a name score, and the name score
        # is at most 0.6 * share + 0.4: below this share of the query nothing can reach the
        # threshold (unless an identifier matches, worth more than any name).
        bonus = DOB_EXACT + COUNTRY_MATCH
        share = (query.threshold - bonus - 0.4) / 0.6
        min_share = _MIN_SHARE if query.identifiers else max(_MIN_SHARE, min(share, 0.9))
        for nid in self.candidates(prep, allowed, min_share):
            ei = int(self.name_entity[nid])
            ent = self.entities[ei]
            listed = ent.names[int(self.name_index[nid])]
            cand = self.names[nid]
            if self.name_weak[nid] and cand.key != prep.key:
                continue  # weak aliases only count when they match exactly
            ns = score_names(prep, cand, self._cache)
            if ns.score <= 0:
                continue
            score, quals = apply_qualifiers(
                ns.score,
                ent,
                kind=kind,
                country=query.country,
                dob=query.dob,
                identifiers=query.identifiers,
                info=ns.info,
                missing=ns.missing,
                query_only=ns.unmatched_query,
            )
            prev = best.get(ei)
            if prev is None or score > prev[0]:
                best[ei] = (score, ns, quals, listed)
        # One hit per listed party: its listings on several lists are folded into the best.
        by_group: dict[int, list[int]] = defaultdict(list)
        for ei in best:
            by_group[int(self.groups[ei]) if len(self.groups) else ei].append(ei)
        found: list[Match] = []
        # Explanations are built only for what is reported.
        for members in by_group.values():
            top = max(members, key=lambda e: (best[e][0], -e))
            score, ns, quals, listed = best[top]
            if score < query.threshold:
                continue
            party = self._party(top, allowed)
            shown = party[0]
            ent = self.entities[shown]
            why = explain(ns, quals)
            if shown != top:
                why += f"; best on {self.entities[top].list}:{self.entities[top].source_id}"
            found.append(
                Match(
                    list=ent.list,
                    source_id=ent.source_id,
                    name=ent.caption,
                    matched_name=listed.full,
                    score=round(score, 4),
                    explanation=why,
                    entity=ent,
                    qualifiers=tuple(
                        {"name": q.name, "delta": q.delta, "detail": q.detail} for q in quals
                    ),
                    name_score=ns.score,
                    listings=tuple(self.entities[i] for i in party),
                )
            )
        found.sort(key=lambda m: (-m.score, m.list, m.source_id))
        return found[: query.limit]

    def _party(self, ei: int, allowed: np.ndarray | None) -> list[int]:
        """Every listing of ``ei``'s party, the one to show first (see ``LIST_PRIORITY``)."""
        if not len(self.groups):
            return [ei]
        members = [int(i) for i in np.nonzero(self.groups == self.groups[ei])[0]]
        if allowed is not None:
            ok = set(self.name_entity[allowed].tolist())
            members = [i for i in members if i in ok] or [ei]
        return sorted(members, key=lambda i: (_priority(self.entities[i].list), i))

    def _list_mask(self, lists: tuple[str, ...]) -> np.ndarray:
        key = tuple(sorted(lists))
        mask = self._masks.get(key)
        if mask is None:
            wanted = {i for i, e in enumerate(self.entities) if e.list in key}
            ent_mask = np.zeros(len(self.entities), dtype=bool)
            ent_mask[list(wanted)] = True
            mask = self._masks[key] = ent_mask[self.name_entity]
        return mask

    def entity(self, list_name: str, source_id: str) -> Entity | None:
        for e in self.entities:
            if e.list == list_name and e.source_id == source_id:
                return e
        return None


def index_fingerprint(infos: Iterable[ListInfo]) -> str:
    h = hashlib.sha256(f"{ALGORITHM}|{_INDEX_FORMAT}".encode())
    for info in sorted(infos, key=lambda i: i.name):
        h.update(f"|{info.name}={info.version}".encode())
    return h.hexdigest()[:16]


def compare_prepared(a: Prepared, b: Prepared, threshold: float = THRESHOLD) -> MatchResult:
    ns = score_names(a, b)
    return MatchResult(
        score=round(ns.score, 4),
        match=ns.score >= threshold,
        explanation=explain(ns, []),
        alignments=ns.alignments,
        threshold=threshold,
    )


__all__: Sequence[str] = (
    "LIST_PRIORITY",
    "ListInfo",
    "Match",
    "Packed",
    "Query",
    "ScreeningIndex",
    "group_listings",
)
