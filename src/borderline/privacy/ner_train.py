"""Fine-tune the entity model on labelled text nobody on the team wrote (``privacy train-ner``).

The starting point is the ``ner`` component of spaCy's ``en_core_web_sm`` 3.8.0 (MIT; its own
token-to-vector layer, no tagger or parser). It was trained on news and web text (OntoNotes 5)
and misses what order notes, chats and support tickets are full of: names in lower case, lone
surnames, handles, places it has not seen. Training data are the *train* parts of public NER
corpora (the Broad Twitter Corpus's sections A-G and WNUT 2017's train file, CC BY 4.0); their
held-out parts are never seen here.

The corpora label only people, places and organisations, while the model also knows dates,
nationalities, products and more. Training on the gold spans alone would teach it that those
are not entities (it would forget them), so each training text also carries the *base* model's
own predictions of the other labels wherever they do not touch a gold span ("pseudo-rehearsal").
A gold place keeps the base model's finer label (GPE, LOC or FAC) when it predicted one there;
otherwise it is a GPE.

Training is seeded and runs on the CPU; the epoch that scores best on the development texts
(people, places and organisations, exact spans) is the one written out, with a ``training.json``
that says what it was trained on and how it scored.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from borderline.errors import InvalidInput, Unavailable

# The corpora's types, and the model label each is trained as.
GOLD_LABELS = {"PERSON": "PERSON", "ORGANIZATION": "ORG", "LOCATION": "GPE"}
PLACE_LABELS = ("GPE", "LOC", "FAC")
FAMILY_OF_LABEL = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "GPE": "LOCATION"}
FAMILY_OF_LABEL |= {"LOC": "LOCATION", "FAC": "LOCATION"}

Spans = list[tuple[str, int, int]]


@dataclass(frozen=True, slots=True)
class TrainText:
    """A text with gold ``(type, start, end)`` spans of PERSON, LOCATION and ORGANIZATION."""

    text: str
    spans: Spans


@dataclass
class TrainReport:
    base_model: str
    train_texts: int
    dev_texts: int
    epochs: int
    best_epoch: int = 0
    seed: int = 0
    dev_by_epoch: list[dict[str, float]] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)
    date: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "base_model": self.base_model,
            "sources": self.sources,
            "train_texts": self.train_texts,
            "dev_texts": self.dev_texts,
            "epochs": self.epochs,
            "best_epoch": self.best_epoch,
            "seed": self.seed,
            "dev_by_epoch": self.dev_by_epoch,
            "losses": [round(x, 1) for x in self.losses],
            "seconds": round(self.seconds, 1),
            "date": self.date,
        }


def _spacy() -> Any:
    try:
        import spacy
    except ImportError:  # a broken install: spaCy is a core dependency
        raise Unavailable("spaCy is not installed", where="privacy.ner_train") from None
    return spacy


def load_base() -> Any:
    """The base model's entity recognizer alone (what the product runs), for training."""
    from borderline.privacy.ner import EXCLUDE, MODEL_PACKAGE

    spacy = _spacy()
    try:
        return spacy.load(MODEL_PACKAGE, exclude=EXCLUDE)
    except OSError:
        raise Unavailable(
            f"the base entity model package {MODEL_PACKAGE!r} is not installed",
            where="privacy train-ner",
        ) from None


def _overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < e2 and s2 < e for s2, e2 in spans)


def annotate(nlp: Any, texts: Sequence[TrainText], batch_size: int = 256) -> list[Any]:
    """spaCy training examples: gold spans plus the base model's other labels (see above)."""
    from spacy.training import Example

    for t in texts:
        for typ, s, e in t.spans:
            if typ not in GOLD_LABELS or not 0 <= s < e <= len(t.text):
                raise InvalidInput(f"bad training span {typ} {s}:{e} in {t.text[:60]!r}")
    examples = []
    docs = nlp.pipe((t.text for t in texts), batch_size=batch_size)
    for t, pred in zip(texts, docs, strict=True):
        gold_chars = [(s, e) for _, s, e in t.spans]
        ents: list[tuple[int, int, str]] = []
        for typ, s, e in t.spans:
            label = GOLD_LABELS[typ]
            if typ == "LOCATION":
                same = [x.label_ for x in pred.ents if x.start_char == s and x.end_char == e]
                if same and same[0] in PLACE_LABELS:
                    label = same[0]
            ents.append((s, e, label))
        for x in pred.ents:
            if x.label_ not in FAMILY_OF_LABEL and not _overlaps(
                x.start_char, x.end_char, gold_chars
            ):
                ents.append((x.start_char, x.end_char, x.label_))
        doc = nlp.make_doc(t.text)
        spans: list[Any] = []
        for s, e, label in sorted(ents):
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None and not any(
                span.start < o.end and o.start < span.end for o in spans
            ):
                spans.append(span)
        examples.append(
            Example.from_dict(
                doc, {"entities": [(x.start_char, x.end_char, x.label_) for x in spans]}
            )
        )
    return examples


def _batches(items: Sequence[Any], start: float = 8.0, stop: float = 64.0) -> Iterator[Any]:
    """Batches growing from 8 to 64 by 0.1 % each (spaCy's usual compounding schedule)."""
    size, i = start, 0
    while i < len(items):
        n = int(min(size, stop))
        yield items[i : i + n]
        i += n
        size *= 1.001


def dev_scores(nlp: Any, texts: Sequence[TrainText]) -> dict[str, float]:
    """Exact-span precision, recall and F1 over the three families (for choosing an epoch)."""
    tp = fp = fn = 0
    for t, doc in zip(texts, nlp.pipe(t.text for t in texts), strict=True):
        gold = {(typ, s, e) for typ, s, e in t.spans}
        pred = {
            (FAMILY_OF_LABEL[x.label_], x.start_char, x.end_char)
            for x in doc.ents
            if x.label_ in FAMILY_OF_LABEL
        }
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def train(
    texts: Sequence[TrainText],
    dev: Sequence[TrainText],
    out: Path,
    *,
    epochs: int = 6,
    seed: int = 0,
    dropout: float = 0.2,
    sources: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> TrainReport:
    """Fine-tune the base model's entity recognizer on ``texts`` and write the best epoch
    (by exact-span F1 on ``dev``) to ``out`` as a spaCy pipeline folder."""
    from borderline.privacy.ner import MODEL_NAME, MODEL_VERSION

    if not texts:
        raise InvalidInput("no training texts")
    if not dev:
        raise InvalidInput("no development texts")
    spacy = _spacy()

    t0 = time.perf_counter()
    spacy.util.fix_random_seed(seed)
    rng = random.Random(seed)
    nlp = load_base()
    report = TrainReport(
        base_model=f"{MODEL_NAME} {MODEL_VERSION}",
        train_texts=len(texts),
        dev_texts=len(dev),
        epochs=epochs,
        seed=seed,
        sources=list(sources),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    examples = annotate(nlp, texts)
    base = dev_scores(nlp, dev)
    report.dev_by_epoch.append(base)
    if progress:
        progress(f"base model: dev {base}")
    nlp.meta["name"] = "core_web_sm_borderline"
    nlp.meta["version"] = MODEL_VERSION
    nlp.meta["description"] = (
        f"Entity recognizer of {MODEL_NAME} {MODEL_VERSION} (MIT) fine-tuned by Borderline on "
        f"{', '.join(sources) or 'labelled text'} (CC BY 4.0)"
    )
    optimizer = nlp.resume_training()
    best = base["f1"]
    out = Path(out)
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in _batches(examples):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        scores = dev_scores(nlp, dev)
        report.dev_by_epoch.append(scores)
        report.losses.append(float(losses.get("ner", 0.0)))
        if progress:
            progress(f"epoch {epoch}: loss {losses.get('ner', 0.0):.0f}, dev {scores}")
        if scores["f1"] > best:
            best = scores["f1"]
            report.best_epoch = epoch
            nlp.to_disk(out)
    if report.best_epoch == 0:
        load_base().to_disk(out)  # no epoch beat the base model: ship the base weights
    report.seconds = time.perf_counter() - t0
    (out / "training.json").write_text(json.dumps(report.to_json(), indent=1) + "\n")
    return report
