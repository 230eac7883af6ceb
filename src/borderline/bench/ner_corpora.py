"""Held-out splits of three public NER corpora, as labelled text nobody on the team wrote.

The corpora (CC BY 4.0, credited in ``data/ner_corpora/PROVENANCE.md`` and docs/data.md):

- **BTC**, Broad Twitter Corpus (Derczynski, Bontcheva and Roberts, COLING 2016): tweets.
  Its authors propose half of section H for evaluation; we take the second half of section H
  (in file order) as ``test`` and the first half as ``dev``.
- **WNUT17**, the WNUT 2017 emerging-entities task (Derczynski, Nichols, van Erp and
  Limsopatham, 2017): tweets, Reddit, YouTube and Stack Overflow comments. Its own ``dev``
  and ``test`` files.
- **wikigold** (Balasuriya et al., 2009): Wikipedia sentences. It has no official split; the
  second half of its documents (in file order) is ``test``, the first half ``dev``.

Only ``dev`` was looked at while building the detector; ``test`` is what the benchmark
reports. Tokens are joined back into text with the spacing a person would type (no space
before a comma, none inside "@name"), and each gold span becomes character offsets in that
text. Types are mapped to Borderline's: PER/person -> PERSON, LOC/location -> LOCATION,
ORG/corporation/group -> ORGANIZATION; MISC, product and creative-work are not personal data
and are dropped.

``build`` turns the CoNLL files into the shipped ``<corpus>-<split>.jsonl.gz`` files; the
benchmark and the tests read only those.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from borderline.errors import InvalidInput

CORPORA = ("btc", "wnut17", "wikigold")
SPLITS = ("dev", "test")
# What the shipped entity model was fine-tuned on (``borderline privacy train-ner``): BTC's
# sections A to G and WNUT 2017's train file. Never measured on; wikigold has no train part.
TRAIN_CORPORA = ("btc", "wnut17")

TYPE_MAP = {
    "PER": "PERSON",
    "person": "PERSON",
    "LOC": "LOCATION",
    "location": "LOCATION",
    "ORG": "ORGANIZATION",
    "corporation": "ORGANIZATION",
    "group": "ORGANIZATION",
}

_NO_SPACE_BEFORE = {",", ".", "!", "?", ";", ":", "%", ")", "]", "}", "...", "…", "'s", "’s"}
_NO_SPACE_BEFORE |= {"n't", "'m", "'re", "'ve", "'ll", "'d"}
_NO_SPACE_AFTER = {"(", "[", "{", "@", "#", "$", "£", "€"}


@dataclass
class NerSample:
    """One sentence or tweet with gold spans ``(type, start, end)`` (end exclusive)."""

    id: str
    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "text": self.text, "spans": [list(s) for s in self.spans]}


def _data_dir() -> Path:
    return Path(str(resources.files("borderline.bench") / "data" / "ner_corpora"))


def load(corpus: str, split: str = "test") -> list[NerSample]:
    """The shipped ``split`` of ``corpus`` (one of ``CORPORA``; ``dev`` or ``test``, or
    ``train`` for the corpora in ``TRAIN_CORPORA``)."""
    if corpus not in CORPORA:
        raise InvalidInput(f"unknown corpus {corpus!r}; one of {', '.join(CORPORA)}")
    if split == "train":
        if corpus not in TRAIN_CORPORA:
            raise InvalidInput(f"corpus {corpus!r} has no train split")
    elif split not in SPLITS:
        raise InvalidInput(f"unknown split {split!r}; one of {', '.join(SPLITS)}, train")
    path = _data_dir() / f"{corpus}-{split}.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            obj = json.loads(line)
            spans = [(str(t), int(s), int(e)) for t, s, e in obj["spans"]]
            out.append(NerSample(obj["id"], obj["text"], spans))
    return out


# ------------------------------------------------------------------ building from CoNLL
def read_conll(path: Path, sep: str | None = None) -> Iterator[list[tuple[str, str]]]:
    """Sentences as (token, tag) lists; blank lines separate them, -DOCSTART- lines too."""
    sent: list[tuple[str, str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip("\n")
        if not line.strip():
            if sent:
                yield sent
                sent = []
            continue
        parts = line.split(sep) if sep else line.split()
        if len(parts) < 2:
            continue
        token, tag = parts[0], parts[-1]
        if token == "-DOCSTART-":
            if sent:
                yield sent
                sent = []
            yield []  # a document boundary
            continue
        sent.append((token, tag))
    if sent:
        yield sent


def to_sample(sid: str, sent: list[tuple[str, str]]) -> NerSample:
    """Join tokens into text and turn BIO or IOB1 tags into character spans."""
    text = ""
    offsets: list[tuple[int, int]] = []
    prev = ""
    for token, _ in sent:
        if text and token not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER:
            text += " "
        offsets.append((len(text), len(text) + len(token)))
        text += token
        prev = token
    spans: list[tuple[str, int, int]] = []  # (label, start, end); the last one may grow
    open_span = False
    for (_, tag), (s, e) in zip(sent, offsets, strict=True):
        if tag == "O" or "-" not in tag:
            open_span = False
            continue
        bio, label = tag.split("-", 1)
        if open_span and spans[-1][0] == label:
            lab, start, end = spans[-1]
            # BTC tags "@" and the handle after it as two B- tokens of one mention.
            if bio == "I" or text[start:end] in ("@", "#"):
                spans[-1] = (lab, start, e)
                continue
        spans.append((label, s, e))
        open_span = True
    mapped = [(TYPE_MAP[lab], s, e) for lab, s, e in spans if lab in TYPE_MAP]
    return NerSample(sid, text, mapped)


def build(source: Path, dest: Path | None = None) -> dict[str, int]:
    """Write the shipped files from a copy of the corpora (the folder with BTC/, WNUT17/, …)."""
    dest = dest or _data_dir()
    dest.mkdir(parents=True, exist_ok=True)
    splits: dict[str, list[NerSample]] = {}
    h = [s for s in read_conll(source / "BTC/CONLL-format/data/h.conll", "\t") if s]
    half = len(h) // 2
    splits["btc-dev"] = [to_sample(f"btc-h{i}", s) for i, s in enumerate(h[:half])]
    splits["btc-test"] = [to_sample(f"btc-h{i + half}", s) for i, s in enumerate(h[half:])]
    splits["btc-train"] = [
        to_sample(f"btc-{sec}{i}", s)
        for sec in "abefg"  # every section but H (there is no C or D)
        for i, s in enumerate(
            x for x in read_conll(source / f"BTC/CONLL-format/data/{sec}.conll", "\t") if x
        )
    ]
    wnut = source / "WNUT17/CONLL-format/data"
    for split, name in (
        ("train", "train/wnut17train.conll"),
        ("dev", "dev/emerging.dev.conll"),
        ("test", "test/emerging.test.annotated"),
    ):
        sents = [s for s in read_conll(wnut / name, "\t") if s]
        splits[f"wnut17-{split}"] = [
            to_sample(f"wnut17-{split}{i}", s) for i, s in enumerate(sents)
        ]
    docs: list[list[list[tuple[str, str]]]] = []
    for sent in read_conll(source / "wikigold/CONLL-format/data/wikigold.conll.txt", " "):
        if not sent:
            docs.append([])
        elif docs:
            docs[-1].append(sent)
    docs = [d for d in docs if d]
    mid = len(docs) // 2
    for split, part, base in (("dev", docs[:mid], 0), ("test", docs[mid:], mid)):
        splits[f"wikigold-{split}"] = [
            to_sample(f"wikigold-d{base + di}s{si}", s)
            for di, doc in enumerate(part)
            for si, s in enumerate(doc)
        ]
    counts = {}
    for name, samples in splits.items():
        body = "".join(json.dumps(s.to_json(), ensure_ascii=False) + "\n" for s in samples)
        # mtime=0: rebuilding from the same corpora gives byte-identical files
        (dest / f"{name}.jsonl.gz").write_bytes(gzip.compress(body.encode("utf-8"), 9, mtime=0))
        counts[name] = len(samples)
    return counts


if __name__ == "__main__":  # python -m borderline.bench.ner_corpora SOURCE_DIR
    import sys

    print(json.dumps(build(Path(sys.argv[1])), indent=1))
