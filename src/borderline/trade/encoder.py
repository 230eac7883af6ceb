"""A sentence encoder for BERT-family sentence-transformers models, run with NumPy.

The embedding backend needs one thing from a model: sentence vectors. PyTorch is a 200 MB
(CPU) to several-GB (CUDA) install for what, on a six-layer MiniLM, is a handful of matrix
products; and PyTorch's CPU build is not what the package registry serves. So the backend
runs the model's forward pass itself: Hugging Face ``tokenizers`` (the same Rust tokenizer
sentence-transformers uses, reading the model folder's ``tokenizer.json``) and the weights
from ``model.safetensors`` through ``safetensors``' NumPy loader. Pooling and normalisation
follow the folder's ``1_Pooling/config.json`` and ``modules.json``.

Only what sentence-transformers' BERT models use is implemented — absolute position
embeddings, GELU (erf form), post-layer-norm encoder layers, mean/CLS/max pooling — and
anything else in a model's config is refused with a clear error rather than run wrongly.
``tests/trade/test_encoder.py`` checks the vectors against golden values that
sentence-transformers 5 with PyTorch 2.13 produced for the same model and sentences.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from borderline.errors import InvalidInput, Unavailable

INSTALL_HINT = (
    "install the optional extra: `uv sync --extra embeddings` in a checkout, "
    "or `pip install 'borderline[embeddings]'`"
)
_ERF = np.vectorize(math.erf, otypes=[np.float32])


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf

        out: np.ndarray = erf(x).astype(np.float32, copy=False)
        return out
    except ImportError:  # pragma: no cover - scipy comes with scikit-learn
        return np.asarray(_ERF(x))


def _gelu(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * x * (1.0 + _erf(x / np.float32(math.sqrt(2.0))))
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: np.ndarray = (x - mean) / np.sqrt(var + eps) * w + b
    return out


@dataclass(frozen=True)
class _Config:
    hidden: int
    heads: int
    layers: int
    eps: float
    max_len: int
    pooling: str
    normalize: bool


def _read_config(path: Path) -> _Config:
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            f"could not load a sentence-transformers model from {path}: {exc}",
            where="embedding_model",
        ) from None
    if cfg.get("model_type") != "bert":
        raise InvalidInput(
            f"{path} holds a {cfg.get('model_type')!r} model; the NumPy encoder runs BERT-family "
            "sentence-transformers models (such as all-MiniLM-L6-v2) only",
            where="embedding_model",
        )
    if (
        cfg.get("hidden_act", "gelu") != "gelu"
        or cfg.get("position_embedding_type", "absolute") != "absolute"
    ):
        raise InvalidInput(
            f"{path}: unsupported activation or position embedding in config.json",
            where="embedding_model",
        )
    pooling = "mean"
    pool_file = path / "1_Pooling" / "config.json"
    if pool_file.is_file():
        pool = json.loads(pool_file.read_text(encoding="utf-8"))
        if pool.get("pooling_mode_cls_token"):
            pooling = "cls"
        elif pool.get("pooling_mode_max_tokens"):
            pooling = "max"
    normalize = False
    modules = path / "modules.json"
    if modules.is_file():
        normalize = any(
            str(m.get("type", "")).endswith("Normalize")
            for m in json.loads(modules.read_text(encoding="utf-8"))
        )
    max_len = int(cfg.get("max_position_embeddings", 512))
    st_cfg = path / "sentence_bert_config.json"
    if st_cfg.is_file():
        max_len = min(max_len, int(json.loads(st_cfg.read_text()).get("max_seq_length", max_len)))
    return _Config(
        hidden=int(cfg["hidden_size"]),
        heads=int(cfg["num_attention_heads"]),
        layers=int(cfg["num_hidden_layers"]),
        eps=float(cfg.get("layer_norm_eps", 1e-12)),
        max_len=max_len,
        pooling=pooling,
        normalize=normalize,
    )


class NumpySentenceEncoder:
    """``encode(sentences) -> (n, dim) float32``, as sentence-transformers' ``encode``."""

    def __init__(self, path: Path) -> None:
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise Unavailable(
                f"the embedding backend needs tokenizers and safetensors ({exc}); " + INSTALL_HINT,
                where="embedding_model",
            ) from None
        self.config = _read_config(path)
        weights = path / "model.safetensors"
        if not weights.is_file():
            raise InvalidInput(
                f"{path} has no model.safetensors: the NumPy encoder reads safetensors weights",
                where="embedding_model",
            )
        try:
            self._w: dict[str, np.ndarray] = {
                k.removeprefix("bert."): v.astype(np.float32, copy=False)
                for k, v in load_file(str(weights)).items()
            }
            # Dense layers as (in, out), contiguous: ``x @ W`` on a 2-D x is one BLAS call.
            for k in [k for k in self._w if k.startswith("encoder.") and k.endswith("weight")]:
                if self._w[k].ndim == 2:
                    self._w[k] = np.ascontiguousarray(self._w[k].T)
            tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as exc:
            raise InvalidInput(
                f"could not load a sentence-transformers model from {path}: {exc}",
                where="embedding_model",
            ) from None
        tok.enable_truncation(max_length=self.config.max_len)
        tok.no_padding()
        self._tok = tok
        missing = [k for k in ("embeddings.word_embeddings.weight",) if k not in self._w]
        if missing:
            raise InvalidInput(
                f"{path}: weights lack {missing[0]} (not a BERT model?)", where="embedding_model"
            )

    def _p(self, name: str) -> np.ndarray:
        return self._w[name]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        c = self.config
        b, n = ids.shape
        x = (
            self._p("embeddings.word_embeddings.weight")[ids]
            + self._p("embeddings.position_embeddings.weight")[np.arange(n)][None, :, :]
            + self._p("embeddings.token_type_embeddings.weight")[0][None, None, :]
        )
        x = _layer_norm(
            x, self._p("embeddings.LayerNorm.weight"), self._p("embeddings.LayerNorm.bias"), c.eps
        )
        hd = c.hidden // c.heads
        bias = ((1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)).astype(
            np.float32
        )
        scale = np.float32(1.0 / math.sqrt(hd))
        for i in range(c.layers):
            p = f"encoder.layer.{i}."

            def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
                w = self._p(p + name + ".weight")
                flat = t.reshape(-1, t.shape[-1]) @ w + self._p(p + name + ".bias")
                out: np.ndarray = flat.reshape(*t.shape[:-1], w.shape[1])
                return out

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(b, n, c.heads, hd).transpose(0, 2, 1, 3)

            q = split(lin(x, "attention.self.query"))
            k = split(lin(x, "attention.self.key"))
            v = split(lin(x, "attention.self.value"))
            att = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            att = att - att.max(-1, keepdims=True)
            att = np.exp(att)
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(b, n, c.hidden)
            x = _layer_norm(
                lin(ctx, "attention.output.dense") + x,
                self._p(p + "attention.output.LayerNorm.weight"),
                self._p(p + "attention.output.LayerNorm.bias"),
                c.eps,
            )
            h = _gelu(lin(x, "intermediate.dense"))
            x = _layer_norm(
                lin(h, "output.dense") + x,
                self._p(p + "output.LayerNorm.weight"),
                self._p(p + "output.LayerNorm.bias"),
                c.eps,
            )
        return x

    def _pool(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        m = mask[:, :, None].astype(np.float32)
        if self.config.pooling == "cls":
            out: np.ndarray = x[:, 0, :]
        elif self.config.pooling == "max":
            out = np.where(m > 0, x, np.float32(-1e9)).max(1)
        else:
            out = (x * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        return out

    def encode(
        self,
        sentences: list[str],
        *,
        batch_size: int = 32,
        show_progress_bar: bool | None = None,
        convert_to_numpy: bool = True,
        normalize_embeddings: bool = False,
    ) -> Any:
        """Sentence vectors, batched by similar length so padding costs little."""
        del show_progress_bar, convert_to_numpy  # sentence-transformers' signature
        if not sentences:
            return np.zeros((0, self.config.hidden), dtype=np.float32)
        encs = self._tok.encode_batch([str(s) for s in sentences])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        out = np.zeros((len(encs), self.config.hidden), dtype=np.float32)
        for start in range(0, len(order), max(1, batch_size)):
            idx = order[start : start + batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                e = encs[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1
            out[idx] = self._pool(self._forward(ids, mask), mask)
        if self.config.normalize or normalize_embeddings:
            out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-12, None)
        return out
