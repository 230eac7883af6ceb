"""The regex machinery behind detection must not change what is detected: the prefilter that
skips patterns a text cannot match (``Needs``, ``Prefilter``) and the trie-shaped word lists
(``literal_alternation``), each held to the plain way on real texts and on generated ones."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderline.bench.ner_corpora import TRAIN_CORPORA, load
from borderline.bench.privacy_evalset import generate, handwritten
from borderline.privacy import gazetteer
from borderline.privacy.analyzer import Analyzer
from borderline.privacy.recognizers import (
    Needs,
    Prefilter,
    context_regex,
    literal_alternation,
    needs,
)
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


@cache
def analyzer() -> Analyzer:
    return Analyzer(ner=False)


PAIRS = [(rp, n) for rp, n in analyzer()._prefilter.items]


def test_needs_reads_the_pattern() -> None:
    assert needs(re.compile(r"(?<![A-Za-z0-9])\d{3}-\d{2}-\d{4}")) == Needs(9, 4, frozenset("-"))
    assert needs(re.compile(r"(?:\d{4}[ \-]){3}\d{1,7}")) == Needs(13, 4)
    assert needs(re.compile(r"(?:19|20)\d{2}")).run == 4  # digits on both sides of a group
    assert needs(re.compile(r"\d{2}-?\d{7}")).run == 7  # an optional dash ends the run
    assert needs(re.compile(r"\d\d?\d")).run == 2  # an optional digit keeps it going
    assert needs(re.compile(r"(?:\d{5}|[0-9]{4})")) == Needs(4, 4)  # the shorter branch
    assert needs(re.compile(r"(?:Apt|Unit|Flat) \d")).chars == frozenset(" t")  # in every one
    assert needs(re.compile(r"https?://\S+")).chars == frozenset("htp:/")
    assert needs(re.compile(r"[\u4e00-\u9fa5]{2,}路")).wide
    assert needs(re.compile(r"(?=[A-Z0-9]*\d)[A-Z0-9]{6,}")).digits == 1  # in the text, ahead
    assert needs(re.compile(r"(?:(?=\d)[A-Z0-9]){3}")).digits == 1  # a lookahead does not add


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?:\d{5}|[A-Z]{2})",  # one branch has no digit
        r"[A-Z]\d?",  # an optional digit
        r"[A-Z0-9]{8}",  # a letter will do
        r"(?!\d)\w+",  # a negative lookahead says nothing of what is there
        r"(?i)ab\.",  # "k" also matches the Kelvin sign; the dot does not change
        r"(?i:[a-z]+)x",
    ],
)
def test_needs_claims_nothing_it_cannot_be_sure_of(pattern: str) -> None:
    n = needs(re.compile(pattern))
    assert n.digits == 0 and n.run == 0 and not n.wide
    assert n.chars <= frozenset(".x")


def test_some_patterns_are_skipped_on_a_plain_sentence() -> None:
    chosen = analyzer()._prefilter("Ring me at 5, I live in Leeds")
    assert 0 < len(chosen) < len(PAIRS) / 2


@pytest.mark.parametrize(("pair", "need"), PAIRS, ids=[f"{r.name}/{p.name}" for (r, p), _ in PAIRS])
@settings(max_examples=25)
@given(data=st.data())
def test_every_text_a_shipped_pattern_matches_has_what_it_needs(pair, need, data) -> None:
    _, pat = pair
    text = data.draw(st.from_regex(pat.regex))
    assert pat.regex.search(text)
    assert need.allows(analyzer()._prefilter.facts(text))


def test_prefilter_keeps_every_pattern_that_matches_a_real_text() -> None:
    prefilter = analyzer()._prefilter
    everything = Prefilter([(rp, Needs()) for rp, _ in PAIRS])
    for text in real_texts():
        chosen = prefilter(text)
        matching = [rp for rp in everything(text) if rp[1].regex.search(text)]
        assert all(rp in chosen for rp in matching), text


def test_patterns_find_the_same_spans_with_and_without_the_prefilter() -> None:
    fast = analyzer()
    plain = Analyzer(ner=False)
    plain._prefilter = Prefilter([(rp, Needs()) for rp, _ in PAIRS])
    for text in real_texts():
        assert fast._patterns(text, None) == plain._patterns(text, None), text


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


def _flat_context(words: list[str]) -> re.Pattern[str]:
    """``context_regex`` as it was written before: bounds around every Latin word."""
    parts = []
    for w in sorted({w.strip().lower() for w in words if w.strip()}, key=len, reverse=True):
        esc = re.escape(w)
        parts.append(f"(?<![a-z0-9]){esc}(?![a-z0-9])" if w[0].isascii() else esc)
    return re.compile("|".join(parts), re.IGNORECASE)


CONTEXT_LISTS = [r.context for r in analyzer().recognizers if r.context] + [
    gazetteer.lists().config["person"]["context"]
]


def test_context_words_match_as_before_on_real_texts() -> None:
    for words in CONTEXT_LISTS:
        fast, flat = context_regex(words), _flat_context(list(words))
        assert fast is not None
        for text in real_texts():
            assert [m.span() for m in fast.finditer(text)] == [
                m.span() for m in flat.finditer(text)
            ], (words, text)


@given(
    st.lists(st.text("aikst İıKſ收货-. ", min_size=1, max_size=6), min_size=1, max_size=8),
    st.text("aikstAIKSTİıKſ收货-. 0", max_size=40),
)
def test_context_words_match_as_before(words: list[str], text: str) -> None:
    fast = context_regex(words)
    if fast is None:
        assert not any(w.strip() for w in words)
        return
    flat = _flat_context(words)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in flat.finditer(text)]
