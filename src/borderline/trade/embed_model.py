"""The optional embedding backend's sentence model: find the local folder, load it (run with
NumPy by ``trade.encoder``, nothing downloaded), fingerprint it for the on-disk cache, and
the text it reads for a listing."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from borderline.errors import InvalidInput
from borderline.trade.classify import Listing
from borderline.trade.lexicon import Lexicon, has_han

BATCH = 32
_DIGITS = re.compile(r"\d")
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


class SentenceEncoder(Protocol):
    """What the backend needs from a model: sentence-transformers' ``encode``."""

    def encode(
        self,
        sentences: list[str],
        *,
        batch_size: int = ...,
        show_progress_bar: bool | None = ...,
        convert_to_numpy: bool = ...,
        normalize_embeddings: bool = ...,
    ) -> Any: ...


def check_model_path(path: str | Path, where: str = "embedding_model") -> Path:
    """The model folder, or an ``InvalidInput`` that says what is wrong with it."""
    if not str(path).strip():
        raise InvalidInput("name the folder of a sentence-transformers model", where=where)
    p = Path(path).expanduser()
    if not p.is_dir():
        raise InvalidInput(
            f"no model folder at {p}: the embedding backend loads a local folder and never "
            "downloads one (docs/trade.md says where to get all-MiniLM-L6-v2)",
            where=where,
        )
    if not ((p / "modules.json").is_file() or (p / "config.json").is_file()):
        raise InvalidInput(
            f"{p} is not a sentence-transformers model folder (no modules.json or config.json)",
            where=where,
        )
    return p


def load_encoder(path: Path) -> SentenceEncoder:
    """Load a sentence-transformers model folder and run it with NumPy (``encoder.py``):
    no PyTorch, nothing fetched over the network."""
    from borderline.trade.encoder import NumpySentenceEncoder

    return NumpySentenceEncoder(path)


def model_fingerprint(path: Path) -> str:
    """A hash of the model folder's files: small ones whole, large ones by size, head and
    tail (hashing a multi-GB weights file at every start would cost seconds)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = f.relative_to(path).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue  # .git, .cache: not the model
        size = f.stat().st_size
        h.update(f"{rel}\0{size}\0".encode())
        with f.open("rb") as fh:
            if size <= 4 << 20:
                h.update(fh.read())
            else:
                h.update(fh.read(1 << 20))
                fh.seek(size - (1 << 20))
                h.update(fh.read(1 << 20))
    return h.hexdigest()


def encode(encoder: SentenceEncoder, texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    out = encoder.encode(
        texts,
        batch_size=BATCH,
        show_progress_bar=False,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.asarray(out, dtype=np.float32)


def query_text(listing: Listing, lex: Lexicon) -> str:
    """What the model reads: the listing's text, Chinese glossed to English through the
    lexicon, tokens with digits dropped (sizes and model numbers are noise to it)."""
    text = listing.text()
    if has_han(text):
        gloss = lex.translate(text)
        latin = _HAN_RUN.sub(" ", text)
        text = f"{gloss} {latin}" if gloss else text
    kept = " ".join(t for t in text.split() if not _DIGITS.search(t))
    return kept or text
