"""The HS model's hashed feature columns equal scikit-learn's HashingVectorizer's, which the
shipped model was trained with: the run-time hash no longer imports scikit-learn."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from borderline.trade.hs_text import char_features, hashed_counts, word_features

_REAL = [
    "Women's 925 sterling silver ear studs",
    "Herren-Baumwoll-T-Shirt, gestrickt",
    "不锈钢保温杯 500ml",
    "tea urns",
    "",
    "Ｆｕｌｌ－ｗｉｄｔｈ ｔｅｘｔ 😀 émoji",
]


def _sklearn(analyser, texts, n):  # type: ignore[no-untyped-def]
    vec = HashingVectorizer(analyzer=analyser, n_features=n, alternate_sign=False, norm=None)
    return vec.transform(texts).tocsr()


def _same(texts: list[str], n: int) -> None:
    for analyser in (word_features, char_features):
        ours, theirs = hashed_counts(analyser, texts, n), _sklearn(analyser, texts, n)
        assert ours.shape == theirs.shape
        assert np.array_equal(ours.indptr, theirs.indptr)
        assert np.array_equal(ours.indices, theirs.indices)
        assert np.array_equal(ours.data, theirs.data)


def test_real_titles_hash_to_the_same_columns() -> None:
    _same(_REAL, 2**18)
    _same(_REAL, 1000)  # a width that is not a power of two: the modulo as scikit-learn's


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)  # no lone surrogates


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=60), min_size=1, max_size=5
    ),
    st.sampled_from([2**16, 2**20, 97]),
)
def test_any_text_hashes_to_the_same_columns(texts: list[str], n: int) -> None:
    _same(texts, n)
