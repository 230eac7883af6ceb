"""Which HS classifier the service uses, as the application configures it.

The application wiring (``borderline.application``) calls :func:`configure` with the
embedding model folder and the cache folder from its settings; the API routes and the trade
assessor then ask :func:`configured_classifier`. Nothing here reads the environment: a
library user who never configures gets the shipped learned model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from borderline.errors import InvalidInput
from borderline.trade.learned import LearnedHSClassifier, learned_classifier

if TYPE_CHECKING:
    from borderline.trade.classify import HSClassifier
    from borderline.trade.embed import EmbeddingBackend


@dataclass(frozen=True, slots=True)
class HSBackendConfig:
    """``embedding_model``: a local sentence-transformers folder ("" = the learned model);
    ``cache_dir``: where the embedding backend keeps its embedded nomenclature and ranker."""

    embedding_model: str = ""
    cache_dir: Path = Path("borderline-data") / "hs-embeddings"


_LOCK = threading.Lock()
_config = HSBackendConfig()


def configure(config: HSBackendConfig) -> None:
    """Set what :func:`configured_classifier` builds (the next call builds it anew)."""
    global _config
    with _LOCK:
        _config = config
        _shared_backend.cache_clear()


def current_config() -> HSBackendConfig:
    return _config


def embedding_backend(
    model_path: str | None,
    cache_dir: Path,
    base: HSClassifier | None = None,
    abstain_below: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> EmbeddingBackend:
    """The embedding backend for a model folder; without one, an error naming both ways
    of giving it."""
    from borderline.trade.embed import EmbeddingBackend

    if not model_path:
        raise InvalidInput(
            "the embedding backend needs --embedding-model PATH or BORDERLINE_EMBEDDING_MODEL "
            "(a local sentence-transformers model folder)",
            where="--backend",
        )
    return EmbeddingBackend(
        model_path, base=base, cache_dir=cache_dir, abstain_below=abstain_below, progress=progress
    )


@cache
def _shared_backend(path: str, cache_dir: Path) -> EmbeddingBackend:
    backend = embedding_backend(path, cache_dir)
    backend.fitted  # noqa: B018 - load or fit the index now, once, not in a request
    return backend


def configured_classifier() -> LearnedHSClassifier | EmbeddingBackend:
    """What the service classifies with: the embedding backend when the configuration names
    a model folder, else the shipped learned model.

    One instance per process, built on first use (the model loads and the nomenclature index
    comes from the on-disk cache, or is built once). A bad path or a missing extra is an error
    naming the setting, not a silent fall-back to the default."""
    config = _config
    if not config.embedding_model:
        return learned_classifier()
    with _LOCK:
        return _shared_backend(config.embedding_model, config.cache_dir)
