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

Options the shipped model does not use (docs/benchmarks/privacy.md, sixth pass, has the dev
figures): ``labels`` keeps only the five labels the product reports and folds the thirteen
others into one, ``MISC``, that carries the rehearsal (``narrow_labels``: 26 transition moves
instead of 74, which the parser checks at every token, so detection is faster); ``unsure``
leaves unannotated the organisations the base model finds and the corpus does not label;
``averages`` scores and keeps the optimizer's moving averages of the weights.

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
# With ``--fewer-labels``, what the trained model predicts: the labels the product reports
# (``ner.LABELS``). The product never reports the base model's thirteen others (dates, money,
# nationalities ...), and every label costs four moves that the transition system checks at
# every token (74 moves -> 26 with ``OTHER_LABEL``; see ``narrow_labels``) ...
KEEP_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC")
# ... into which the others are folded, so the model still learns from the base model's dates,
# products and nationalities (pseudo-rehearsal) that they are entities but none of the above.
OTHER_LABEL = "MISC"
# The corpora label few organisations (tweets name bands, teams and games more than firms): where
# the base model finds one that no gold span touches, the words are left unannotated rather
# than taught as "not an entity" (``annotate``), which kept more of the base model's
# organisation recall on the dev splits (0.27 -> 0.35 with the whole detector) but cost person
# recall (0.55 -> 0.53): ``--unsure-orgs``, not used for the shipped model.
UNSURE_LABELS = ("ORG",)
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
    dropout: float = 0.2
    labels: list[str] | None = None
    other_label: str | None = None
    unsure_labels: list[str] = field(default_factory=list)
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
            "dropout": self.dropout,
            "labels": self.labels,
            "other_label": self.other_label,
            "unsure_labels": self.unsure_labels,
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


def narrow_labels(nlp: Any, labels: Sequence[str], other: str | None = None) -> None:
    """Make the entity recognizer predict ``labels`` only, keeping what it knows of them.

    The new transition system has the moves of ``labels`` alone; the output layer keeps the
    base model's rows for those moves (same weights, same bias), so before any training the
    narrowed model scores each kept move exactly as the base did and only loses the moves of
    the dropped labels. The token-to-vector and hidden layers are untouched. With ``other``,
    the dropped labels become that one label, whose moves start from the mean of theirs.
    """
    from thinc.api import Linear

    ner = nlp.get_pipe("ner")
    unknown = set(labels) - set(ner.labels)
    if unknown:
        raise InvalidInput(f"the base model has no label {sorted(unknown)}")
    old = ner.moves
    moves_class = type(old)  # spaCy's BILUO transition system for entities
    row_of = {old.get_class_name(i): i for i in range(old.n_moves)}
    names = list(labels) + ([other] if other else [])
    new = moves_class(nlp.vocab.strings, moves_class.get_actions(entity_types=names))
    dropped = [x for x in ner.labels if x not in labels]
    upper = ner.model.get_ref("upper")
    w, b = upper.get_param("W"), upper.get_param("b")
    n_in = w.shape[1]
    new_w = upper.ops.alloc2f(new.n_moves, n_in)
    new_b = upper.ops.alloc1f(new.n_moves)
    for i in range(new.n_moves):
        name = new.get_class_name(i)
        if other and name.endswith(f"-{other}"):
            rows = [row_of[name[:2] + x] for x in dropped]
            new_w[i] = w[rows].mean(axis=0)
            new_b[i] = b[rows].mean()
        elif name in row_of:
            new_w[i] = w[row_of[name]]
            new_b[i] = b[row_of[name]]
    smaller = Linear(nO=new.n_moves, nI=n_in)
    smaller.set_param("W", new_w)
    smaller.set_param("b", new_b)
    ner.model._layers[-1] = smaller
    ner.model.set_ref("upper", smaller)
    ner.moves.from_bytes(new.to_bytes(exclude=["strings"]), exclude=["strings"])
    if [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)] != [
        new.get_class_name(i) for i in range(new.n_moves)
    ]:  # the rows copied above are in the new system's order
        raise RuntimeError("narrowing the entity labels changed the order of the moves")


def _overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < e2 and s2 < e for s2, e2 in spans)


def annotate(
    nlp: Any,
    texts: Sequence[TrainText],
    batch_size: int = 256,
    *,
    labels: Sequence[str] | None = None,
    other: str | None = None,
    unsure: Sequence[str] = (),
) -> list[Any]:
    """spaCy training examples: gold spans plus the base model's other labels (see above);
    with ``labels``, only those are learnt (and the base model's other labels are not).
    Where the base model finds an ``unsure`` label (``ORG``) that no gold span touches, the
    words are left unannotated: no loss either way, so fine-tuning neither unlearns the base
    model's organisations nor learns them from a corpus that labels few."""
    from spacy.training import Example, offsets_to_biluo_tags

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
        missing = [
            (x.start_char, x.end_char)
            for x in pred.ents
            if x.label_ in unsure and not _overlaps(x.start_char, x.end_char, gold_chars)
        ]
        for x in pred.ents:
            label = x.label_
            if labels is not None and label not in labels:
                if other is None:
                    continue  # a label the trained model will not have: the words are "O"
                label = other
            if label not in FAMILY_OF_LABEL and not _overlaps(x.start_char, x.end_char, gold_chars):
                ents.append((x.start_char, x.end_char, label))
        doc = nlp.make_doc(t.text)
        spans: list[Any] = []
        for s, e, label in sorted(ents):
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            if span is not None and not any(
                span.start < o.end and o.start < span.end for o in spans
            ):
                spans.append(span)
        offsets = [(x.start_char, x.end_char, x.label_) for x in spans]
        if not missing:
            examples.append(Example.from_dict(doc, {"entities": offsets}))
            continue
        tags = offsets_to_biluo_tags(doc, offsets)
        for s, e in missing:
            span = doc.char_span(s, e, alignment_mode="expand")
            for i in range(span.start, span.end) if span is not None else ():
                if tags[i] == "O":
                    tags[i] = "-"
        examples.append(Example.from_dict(doc, {"entities": tags}))
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
    f2 = 5 * p * r / (4 * p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "f2": round(f2, 4)}


def train(
    texts: Sequence[TrainText],
    dev: Sequence[TrainText],
    out: Path,
    *,
    epochs: int = 6,
    seed: int = 0,
    dropout: float = 0.2,
    labels: Sequence[str] | None = None,
    other: str | None = OTHER_LABEL,
    unsure: Sequence[str] = (),
    averages: bool = False,
    select: str = "f1",
    sources: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    epoch_dir: Path | None = None,
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
        dropout=dropout,
        labels=None if labels is None else list(labels),
        other_label=None if labels is None else other,
        unsure_labels=list(unsure),
        sources=list(sources),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    base = dev_scores(nlp, dev)
    examples = annotate(nlp, texts, labels=labels, other=other, unsure=unsure)
    if labels is not None:
        narrow_labels(nlp, labels, other)
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
    best = base[select]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)  # kept if no epoch beats the base model (with fewer labels if asked)
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in _batches(examples):
            nlp.update(batch, drop=dropout, sgd=optimizer, losses=losses)
        # With ``averages``, scored and written with the optimizer's moving averages of the
        # weights, as spaCy's own training loop does (``use_averages`` in the base model's
        # config): steadier from one epoch to the next than the last update's weights.
        with nlp.use_params(optimizer.averages if averages else {}):
            scores = dev_scores(nlp, dev)
            report.dev_by_epoch.append(scores)
            report.losses.append(float(losses.get("ner", 0.0)))
            if progress:
                progress(f"epoch {epoch}: loss {losses.get('ner', 0.0):.0f}, dev {scores}")
            if epoch_dir is not None:
                nlp.to_disk(Path(epoch_dir) / f"epoch-{epoch}")
            if scores[select] > best:
                best = scores[select]
                report.best_epoch = epoch
                nlp.to_disk(out)
    report.seconds = time.perf_counter() - t0
    (out / "training.json").write_text(json.dumps(report.to_json(), indent=1) + "\n")
    return report
