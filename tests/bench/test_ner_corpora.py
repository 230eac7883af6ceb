"""The held-out corpora: CoNLL tags become the right character spans, and the shipped splits
are the ones the provenance file describes."""

from __future__ import annotations

import pytest

from borderline.bench.ner_corpora import load, to_sample
from borderline.bench.privacy_ner import _drop_handles, family_scores, gold_spans
from borderline.errors import InvalidInput

CASES = [
    # BIO (BTC, WNUT 2017)
    (
        [
            ("Leon", "B-PER"),
            ("Derczynski", "I-PER"),
            ("visited", "O"),
            ("Sheffield", "B-LOC"),
            (".", "O"),
        ],
        "Leon Derczynski visited Sheffield.",
        [("PERSON", "Leon Derczynski"), ("LOCATION", "Sheffield")],
    ),
    # IOB1 (wikigold): I- opens a span; a new B- of the same type splits two adjacent ones
    (
        [
            ("The", "I-ORG"),
            ("Mad", "I-ORG"),
            ("Capsule", "I-ORG"),
            ("Markets", "I-ORG"),
            ("(", "O"),
            ("Japan", "I-LOC"),
            (")", "O"),
        ],
        "The Mad Capsule Markets (Japan)",
        [("ORGANIZATION", "The Mad Capsule Markets"), ("LOCATION", "Japan")],
    ),
    # BTC's "@" and handle, tagged B- B-, are one mention; corporation/group are organisations
    (
        [
            ("RT", "O"),
            ("@", "B-PER"),
            ("david_myers77", "B-PER"),
            (":", "O"),
            ("I", "O"),
            ("love", "O"),
            ("Nintendo", "B-corporation"),
            ("and", "O"),
            ("Muse", "B-group"),
        ],
        "RT @david_myers77: I love Nintendo and Muse",
        [("PERSON", "@david_myers77"), ("ORGANIZATION", "Nintendo"), ("ORGANIZATION", "Muse")],
    ),
    # MISC, product and creative-work are not personal data
    (
        [
            ("iPhone", "B-product"),
            ("by", "O"),
            ("Apple", "B-corporation"),
            ("is", "O"),
            ("n't", "O"),
            ("German", "I-MISC"),
        ],
        "iPhone by Apple isn't German",
        [("ORGANIZATION", "Apple")],
    ),
]


@pytest.mark.parametrize(("tokens", "text", "spans"), CASES)
def test_conll_to_spans(tokens, text, spans):
    smp = to_sample("x", tokens)
    assert smp.text == text
    assert [(t, smp.text[s:e]) for t, s, e in smp.spans] == spans


@pytest.mark.parametrize(
    ("corpus", "split", "sentences"),
    [
        ("btc", "dev", 1000),
        ("btc", "test", 1001),
        ("wnut17", "dev", 1009),
        ("wnut17", "test", 1287),
        ("wikigold", "dev", 961),
        ("wikigold", "test", 729),
        ("btc", "train", 7338),
        ("wnut17", "train", 3394),
    ],
)
def test_shipped_splits(corpus, split, sentences):
    samples = load(corpus, split)
    assert len(samples) == sentences
    for smp in samples:
        for t, s, e in smp.spans:
            assert t in ("PERSON", "LOCATION", "ORGANIZATION")
            assert 0 <= s < e <= len(smp.text)
            assert smp.text[s:e] == smp.text[s:e].strip()


def test_dev_and_test_do_not_overlap():
    for corpus in ("btc", "wnut17", "wikigold"):
        dev = {s.text for s in load(corpus, "dev") if len(s.text) > 40}
        test = {s.text for s in load(corpus, "test") if len(s.text) > 40}
        assert len(dev & test) <= 3, corpus  # retweets repeat a few tweets verbatim


def test_train_parts_hold_no_held_out_text():
    """What the shipped model was fine-tuned on never holds a dev or test text."""
    for corpus in ("btc", "wnut17"):
        train = {s.text for s in load(corpus, "train") if len(s.text) > 40}
        held = {s.text for split in ("dev", "test") for s in load(corpus, split)}
        assert not train & held, corpus


def test_unknown_corpus_or_split():
    with pytest.raises(InvalidInput, match="unknown corpus"):
        load("conll2003")
    with pytest.raises(InvalidInput, match="unknown split"):
        load("btc", "validation")
    with pytest.raises(InvalidInput, match="has no train split"):
        load("wikigold", "train")


def test_family_scoring_and_handles():
    smp = to_sample(
        "s",
        [
            ("@", "B-PER"),
            ("bob", "B-PER"),
            ("met", "O"),
            ("Ann", "B-PER"),
            ("Lee", "I-PER"),
            ("at", "O"),
            ("12", "O"),
            ("Main", "O"),
            ("St", "O"),
        ],
    )
    gold = gold_spans([smp])
    assert len(gold) == 2 and len(gold_spans([smp], handles=False)) == 1
    # a predicted ADDRESS counts for the location family; the handle prediction is set aside
    pred = [("s", "", "PERSON", 9, 16), ("s", "", "LOCATION", 20, 30), ("s", "", "PERSON", 0, 4)]
    scores = family_scores(gold, pred)
    assert (scores["PERSON"]["tp"], scores["PERSON"]["fn"]) == (2, 0)
    assert scores["LOCATION"]["fp"] == 1
    assert _drop_handles(pred, [smp]) == pred[:2]
