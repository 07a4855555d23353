"""The enrichment step: embed every text in the graph that has no embedding yet, each distinct text once.

Runs apart from ingest (`dtc enrich`, or a call from the stream worker between batches), so a slow model never
holds up writes. A text's embedding is keyed by sha256(model name + text): a text seen before, on any node, links to
the existing `Embedding` node instead of being encoded again, and `EnrichReport.computed` counts what was encoded.

    report = enrich(store, embedder_from(settings))
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graph.embeddings import DEFAULT_BATCH_SIZE, Embedder
from graph.ontology import EMBEDDING_VECTOR_PROPERTY, Label
from graph.paging import rows_in_windows
from graph.store import GraphStore, Row, batched

PAGE_SIZE = 2048  # nodes embedded and linked per round


@dataclass(frozen=True)
class TextSource:
    """Where embeddable text lives: a label, the query that finds its nodes with text and no embedding yet in one
    window of ids (cypher/internal/enrich-missing-*.cypher says which property is the text), the one that links them,
    and the one that says whether ids remain (graph.paging)."""

    label: Label
    missing: str
    link: str
    remaining: str


TEXT_SOURCES: tuple[TextSource, ...] = (
    TextSource(Label.INTERACTION, "enrich-missing-interactions", "enrich-link-interactions", "remaining-interactions"),
    TextSource(Label.PERSONA, "enrich-missing-personas", "enrich-link-personas", "remaining-personas"),
    TextSource(Label.INSIGHT, "enrich-missing-insights", "enrich-link-insights", "remaining-insights"),
    TextSource(Label.FRICTION_POINT, "enrich-missing-frictions", "enrich-link-frictions", "remaining-frictions"),
)


@dataclass
class EnrichReport:
    model: str
    nodes: int = 0  # nodes that had text and no embedding link
    texts: int = 0  # distinct texts among them
    computed: int = 0  # embeddings encoded by the model in this run
    reused: int = 0  # distinct texts whose embedding already existed (from another node or an earlier run)
    linked: int = 0  # EMBEDS links written
    seconds: float = 0.0
    by_label: dict[str, int] = field(default_factory=dict)  # nodes linked per label

    @property
    def texts_per_second(self) -> float:
        return self.nodes / self.seconds if self.seconds > 0 else 0.0


def enrich(store: GraphStore, embedder: Embedder, batch_size: int = DEFAULT_BATCH_SIZE,
           page_size: int = PAGE_SIZE) -> EnrichReport:
    """Embed and link every text node without an embedding of `embedder`'s model; safe to run at any time.

    Nodes are read in windows of ids (graph.paging), so no read holds the store for long however large the twin, and
    embedded in pages of `page_size`. Pages are pipelined: while the model encodes one page, a writer thread stores
    the previous page's vectors (the vector index insert is the server's cost) and links, so the step runs close to
    the bare model's rate."""
    started = time.perf_counter()
    report = EnrichReport(model=embedder.name)
    index_ready = False
    in_flight: Future[None] | None = None  # the previous page's write; at most one, so writes stay in order
    in_flight_hashes: set[str] = set()  # embeddings of that page: known, though not stored yet
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich-writer") as writer:
        for source in TEXT_SOURCES:
            for page in _missing_pages(store, source, embedder.name, page_size):
                by_hash: dict[str, str] = {}
                links: list[dict[str, str]] = []
                for row in page:
                    digest = embedder.text_hash(row["text"])
                    by_hash.setdefault(digest, row["text"])
                    links.append({"hash": digest, "key": row["key"]})
                known = {r["hash"] for r in store.run("embeddings-known", {"hashes": list(by_hash)})}
                new = [h for h in by_hash if h not in known and h not in in_flight_hashes]
                if new and not index_ready:
                    ensure_embedding_index(store, embedder)
                    index_ready = True
                vectors = embedder.encode([by_hash[h] for h in new], batch_size=batch_size)
                embeddings = [{"hash": h, "model": embedder.name, "vector": store.vector_literal(v.tolist())}
                              for h, v in zip(new, vectors, strict=True)]
                if in_flight is not None:
                    in_flight.result()
                in_flight = writer.submit(_write_page, store, source, embeddings, links)
                in_flight_hashes = set(new)
                report.nodes += len(page)
                report.texts += len(by_hash)
                report.computed += len(new)
                report.reused += len(by_hash) - len(new)
                report.linked += len(links)
                report.by_label[source.label.value] = report.by_label.get(source.label.value, 0) + len(links)
        if in_flight is not None:
            in_flight.result()
    report.seconds = time.perf_counter() - started
    return report


def _missing_pages(store: GraphStore, source: TextSource, model: str, page_size: int) -> Iterator[list[Row]]:
    """The nodes of `source` with text and no embedding of `model`, read a window of ids at a time, in pages."""
    return batched(rows_in_windows(store, source.missing, source.remaining, {"model": model}), page_size)


def _write_page(store: GraphStore, source: TextSource, embeddings: list[dict[str, Any]],
                links: list[dict[str, str]]) -> None:
    if embeddings:
        store.run("embeddings-upsert", {"rows": embeddings})
    if links:
        store.run(source.link, {"rows": links})


def ensure_embedding_index(store: GraphStore, embedder: Embedder) -> None:
    """Create the vector index over `Embedding.vector` at the model's dimension (idempotent)."""
    store.ensure_vector_index(Label.EMBEDDING, EMBEDDING_VECTOR_PROPERTY, embedder.dimension)
