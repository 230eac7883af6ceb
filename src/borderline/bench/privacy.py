"""Span-level precision, recall and F2 of Borderline's detector and of Presidio (regex-only).

Both systems see the same samples in one run. A prediction matches a gold span when the type
is the same, the field path is the same (records), and the spans overlap by at least half of
their union (``iou``); exact-boundary figures are reported beside. Presidio runs with its
predefined recognizers and an NLP engine that returns no tokens, because no spaCy model can be
downloaded here; its types are mapped to ours (US_SSN -> NATIONAL_ID, …), and types we do not
label (crypto wallets, MAC addresses, medical licences) are dropped rather than counted as
false positives. Records are given to Presidio value by value, as its BatchAnalyzerEngine does.
"""

from __future__ import annotations

import platform
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from borderline.bench.privacy_evalset import Sample
from borderline.errors import Unavailable
from borderline.privacy import ENTITY_TYPES, Analyzer

Span = tuple[str, str, str, int, int]  # sample id, path ("" for text), type, start, end

PRESIDIO_TYPES = {
    "CREDIT_CARD": "CREDIT_CARD",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "URL": "URL",
    "DATE_TIME": "DATE_TIME",
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
    "US_SSN": "NATIONAL_ID",
    "UK_NHS": "NATIONAL_ID",
    "US_ITIN": "TAX_ID",
    "US_PASSPORT": "PASSPORT",
    "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "US_BANK_NUMBER": "BANK_ACCOUNT",
}


# Types Presidio's predefined regex recognizers can emit (after mapping): comparing on these
# alone asks "who finds the same things better", without credit for types it cannot see.
SHARED_TYPES = frozenset(PRESIDIO_TYPES.values()) - {"PERSON", "LOCATION", "ORGANIZATION"}


def gold_spans(samples: Iterable[Sample]) -> list[Span]:
    return [
        (s.id, sp.get("path", ""), sp["type"], sp["start"], sp["end"])
        for s in samples
        for sp in s.spans
    ]


def _fields(record: dict[str, Any], path: str = "") -> Iterator[tuple[str, str, str]]:
    for k, v in record.items():
        p = f"{path}.{k}" if path else k
        if isinstance(v, dict):
            yield from _fields(v, p)
        elif isinstance(v, str):
            yield k, p, v


def predict_ours(samples: Iterable[Sample], analyzer: Analyzer) -> list[Span]:
    out: list[Span] = []
    for s in samples:
        if s.text is not None:
            for e in analyzer.analyze(s.text, country=s.country):
                out.append((s.id, "", e.type, e.start, e.end))
        else:
            assert s.record is not None
            for e in analyzer.analyze_record(s.record, country=s.country):
                out.append((s.id, e.path or "", e.type, e.start, e.end))
    return out


def presidio_analyzer() -> Any:
    """Presidio's AnalyzerEngine with its predefined recognizers and no NLP model."""
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
    except ImportError:
        raise Unavailable(
            "presidio-analyzer is not installed (it is in the 'bench' dependency group)",
            where="bench privacy",
        ) from None

    class NoNlp(NlpEngine):
        """Regex-only: no tokens, no lemmas, no NER (no spaCy model can be downloaded)."""

        def load(self) -> None:
            return None

        def is_loaded(self) -> bool:
            return True

        def process_text(self, text: str, language: str) -> Any:
            return NlpArtifacts(
                entities=[],
                tokens=[],  # type: ignore[arg-type]  # no spaCy Doc: regex-only by design
                tokens_indices=[],
                lemmas=[],
                nlp_engine=self,
                language=language,
            )

        def process_batch(
            self,
            texts: Iterable[str],
            language: str,
            batch_size: int = 1,
            n_process: int = 1,
            **kwargs: Any,
        ) -> Iterator[tuple[str, Any]]:
            for t in texts:
                yield t, self.process_text(t, language)

        def is_stopword(self, word: str, language: str) -> bool:
            return False

        def is_punct(self, word: str, language: str) -> bool:
            return False

        def get_supported_entities(self) -> list[str]:
            return []

        def get_supported_languages(self) -> list[str]:
            return ["en"]

    offline_tldextract()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers()
    registry.recognizers = [
        r for r in registry.recognizers if type(r).__name__ != "SpacyRecognizer"
    ]
    return AnalyzerEngine(registry=registry, nlp_engine=NoNlp(), supported_languages=["en"])


def offline_tldextract() -> None:
    """Presidio's email validator calls tldextract, whose default fetches the public-suffix
    list from the network; nothing may download at run time, so point it at the bundled
    snapshot."""
    import tldextract
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class _Offline:
        extract = staticmethod(offline)

    email_recognizer.tldextract = _Offline  # type: ignore[attr-defined,assignment]


def predict_presidio(samples: Iterable[Sample], engine: Any, threshold: float) -> list[Span]:
    out: list[Span] = []

    def run(sid: str, path: str, text: str) -> None:
        for r in engine.analyze(text=text, language="en", score_threshold=threshold):
            t = PRESIDIO_TYPES.get(r.entity_type)
            if t is not None:
                out.append((sid, path, t, r.start, r.end))

    for s in samples:
        if s.text is not None:
            run(s.id, "", s.text)
        else:
            assert s.record is not None
            for _, path, value in _fields(s.record):
                run(s.id, path, value)
    return out


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    def f(self, beta: float = 2.0) -> float:
        p, r = self.precision, self.recall
        b2 = beta * beta
        return (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0


def _iou(a: Span, b: Span) -> float:
    inter = max(0, min(a[4], b[4]) - max(a[3], b[3]))
    union = max(a[4], b[4]) - min(a[3], b[3])
    return inter / union if union else 0.0


def score(gold: list[Span], pred: list[Span], *, exact: bool = False) -> dict[str, Score]:
    """Micro scores overall (key ``ALL``) and per type; one-to-one greedy matching."""
    by_key: dict[tuple[str, str, str], list[Span]] = {}
    for p in pred:
        by_key.setdefault(p[:3], []).append(p)
    scores: dict[str, Score] = {t: Score() for t in ("ALL", *ENTITY_TYPES)}
    used: set[Span] = set()
    for g in gold:
        best, best_iou = None, 0.0
        for p in by_key.get(g[:3], []):
            if p in used:
                continue
            ok = (p[3], p[4]) == (g[3], g[4]) if exact else _iou(g, p) >= 0.5
            if ok and _iou(g, p) > best_iou:
                best, best_iou = p, _iou(g, p)
        for key in ("ALL", g[2]):
            if best is not None:
                scores[key].tp += 1
            else:
                scores[key].fn += 1
        if best is not None:
            used.add(best)
    for p in pred:
        if p not in used:
            scores["ALL"].fp += 1
            scores[p[2]].fp += 1
    return scores


# A whole address ("4417 Alder Creek Drive, Boise, ID 83704") is one ADDRESS span where the
# team's sets label street, city and postal code apart: the family view scores them as places.
_FAMILY = {"ADDRESS": "LOCATION", "POSTAL_CODE": "LOCATION"}


def _families(spans: list[Span]) -> list[Span]:
    return [(i, p, _FAMILY.get(t, t), s, e) for i, p, t, s, e in spans]


_SEPARATORS = re.compile(r"[\s,\-–/]{0,4}")


def whole_addresses(samples: Iterable[Sample], gold: list[Span]) -> list[Span]:
    """Gold re-segmented the way the detector now reports addresses: a street line and the
    city, region or postal code spans right after it (only separators between) become one
    span. Family view only; the per-type figures keep the sets' own labels."""
    texts = {s.id: s for s in samples}
    out: list[Span] = []
    for g in sorted(_families(gold), key=lambda g: (g[0], g[1], g[3])):
        if out:
            prev = out[-1]
            value = _value(texts[g[0]], g[1])
            if (
                value is not None
                and prev[:3] == g[:3] == (g[0], g[1], "LOCATION")
                and g[3] >= prev[4]
                and _SEPARATORS.fullmatch(value[prev[4] : g[3]])
                and _starts_street(gold, prev)
            ):
                out[-1] = (prev[0], prev[1], "LOCATION", prev[3], g[4])
                continue
        out.append(g)
    return out


def _starts_street(gold: list[Span], merged: Span) -> bool:
    return any(
        t == "ADDRESS" and i == merged[0] and p == merged[1] and s == merged[3]
        for i, p, t, s, _ in gold
    )


def _value(sample: Sample, path: str) -> str | None:
    if not path:
        return sample.text
    node: Any = sample.record
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None


def run_benchmark(
    samples: list[Sample],
    *,
    presidio_thresholds: tuple[float, ...] = (0.0, 0.5),
    progress: Callable[[str], None] | None = None,
    extra: dict[str, Callable[[list[Sample]], list[Span]]] | None = None,
) -> dict[str, Any]:
    """Score every system on ``samples``; returns a JSON-able report. ``extra`` adds systems
    (name -> function from samples to predicted spans) to the same run."""
    gold = gold_spans(samples)
    systems: dict[str, list[Span]] = {}
    timings: dict[str, float] = {}
    analyzer = Analyzer()
    t0 = time.perf_counter()
    systems["borderline"] = predict_ours(samples, analyzer)
    timings["borderline"] = time.perf_counter() - t0
    for name, predict in (extra or {}).items():
        if progress:
            progress(name)
        t0 = time.perf_counter()
        systems[name] = predict(samples)
        timings[name] = time.perf_counter() - t0
    engine = presidio_analyzer()
    for th in presidio_thresholds:
        if progress:
            progress(f"presidio threshold {th}")
        name = f"presidio-regex@{th}"
        t0 = time.perf_counter()
        systems[name] = predict_presidio(samples, engine, th)
        timings[name] = time.perf_counter() - t0
    chars = sum(
        len(s.text or "") + sum(len(v) for *_, v in _fields(s.record or {})) for s in samples
    )
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_cpus()} CPU cores, Python {platform.python_version()}",
        "samples": len(samples),
        "samples_by_kind": dict(Counter(s.kind for s in samples)),
        "samples_by_lang": dict(Counter(s.lang for s in samples)),
        "gold_spans": len(gold),
        "gold_by_type": dict(Counter(g[2] for g in gold)),
        "characters": chars,
        "systems": {},
    }
    for name, pred in systems.items():
        relaxed = score(gold, pred)
        exact = score(gold, pred, exact=True)
        report["systems"][name] = {
            "seconds": round(timings[name], 3),
            "chars_per_second": round(chars / timings[name]) if timings[name] else None,
            "overall": _row(relaxed["ALL"]),
            "overall_exact": _row(exact["ALL"]),
            "overall_families": _row(score(whole_addresses(samples, gold), _families(pred))["ALL"]),
            "shared_types": _row(_sum(relaxed, SHARED_TYPES)),
            "by_type": {
                t: _row(s) for t, s in relaxed.items() if t != "ALL" and s.tp + s.fp + s.fn
            },
        }
    return report


def _sum(scores: dict[str, Score], types: frozenset[str]) -> Score:
    out = Score()
    for t in types:
        out.tp += scores[t].tp
        out.fp += scores[t].fp
        out.fn += scores[t].fn
    return out


def _row(s: Score) -> dict[str, float | int]:
    return {
        "precision": round(s.precision, 3),
        "recall": round(s.recall, 3),
        "f2": round(s.f(2.0), 3),
        "tp": s.tp,
        "fp": s.fp,
        "fn": s.fn,
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0
