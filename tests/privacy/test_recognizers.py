"""The regex machinery behind detection must not change what is detected: the trie-shaped
word lists (``literal_alternation``), held to the plain way on real texts and generated ones."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderline.bench.ner_corpora import TRAIN_CORPORA, load
from borderline.bench.privacy_evalset import generate, handwritten
from borderline.privacy import gazetteer
from borderline.privacy.recognizers import literal_alternation
from borderline.refdata import all_countries


@cache
def real_texts() -> tuple[str, ...]:
    """Tweets and sentences of the public corpora (the train parts the model learnt from, and
    wikigold's dev part: nothing held out) and the team's sets: order notes with identifiers,
    addresses, dates and Chinese and Japanese text."""
    texts = [s.text for c in TRAIN_CORPORA for s in load(c, "train")[:1500]]
    texts += [s.text for s in load("wikigold", "dev")[:1000]]
    samples = [*generate(300, seed=2026), *handwritten(), *handwritten("handwritten2.jsonl")]
    texts += [s.text for s in samples if s.text]
    return tuple(texts)


WORD_LISTS = {
    "countries": [c.name for c in all_countries()],
    "titles": gazetteer.lists().config["person"]["titles"],
    "nested": ["a", "ab", "abc", "abd", "b", "ba", "St.", "St", "S"],
}


def _flat(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@pytest.mark.parametrize("name", WORD_LISTS)
def test_trie_alternation_matches_like_the_flat_list_on_real_texts(name: str) -> None:
    words = WORD_LISTS[name]
    for wrap in (r"(?<![\w\-])(?:{})(?![\w\-])", r"(?:{})\.?[ ]$", "(?:{})"):
        flat = re.compile(wrap.format(_flat(words)))
        trie = re.compile(wrap.format(literal_alternation(words)))
        for text in real_texts():
            assert [m.span() for m in flat.finditer(text)] == [
                m.span() for m in trie.finditer(text)
            ], text


@given(
    st.lists(st.text("abS. -", min_size=1, max_size=5), min_size=1, max_size=12),
    st.text("abS. -x", max_size=40),
)
def test_trie_alternation_matches_like_the_flat_list(words: list[str], text: str) -> None:
    for wrap in (r"(?<![\w\-])(?:{})(?![\w\-])", r"(?:{})(?=[ .]|$)", "(?:{})"):
        flat = re.compile(wrap.format(_flat(words)))
        trie = re.compile(wrap.format(literal_alternation(words)))
        assert [m.span() for m in flat.finditer(text)] == [m.span() for m in trie.finditer(text)]
