"""The enrichment step: embed every text in the graph that has no embedding yet, each distinct text once.

Runs apart from ingest (`dtc enrich`, or a call from the stream worker between batches), so a slow model never
holds up writes. A text's embedding is keyed by sha256(model name + text): a text seen before, on any node, links to
the existing `Embedding` node instead of being encoded again, and `EnrichReport.computed` counts what was encoded.

    report = enrich(store, embedder_from(settings))
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from graph.embeddings import DEFAULT_BATCH_SIZE, Embedder
from graph.ontology import EMBEDDING_VECTOR_PROPERTY, Label
from graph.store import GraphStore

PAGE_SIZE = 2048  # nodes read, embedded and linked per round


@dataclass(frozen=True)
class TextSource:
    """Where embeddable text lives: a label, the query that finds its nodes with text and no embedding yet
    (cypher/internal/enrich-missing-*.cypher says which property is the text) and the one that links them."""

    label: Label
    missing: str
    link: str


TEXT_SOURCES: tuple[TextSource, ...] = (
    TextSource(Label.INTERACTION, "enrich-missing-interactions", "enrich-link-interactions"),
    TextSource(Label.PERSONA, "enrich-missing-personas", "enrich-link-personas"),
    TextSource(Label.INSIGHT, "enrich-missing-insights", "enrich-link-insights"),
    TextSource(Label.FRICTION_POINT, "enrich-missing-frictions", "enrich-link-frictions"),
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

    Pages are pipelined: while the model encodes one page, a writer thread stores the previous page's vectors
    (the vector index insert is the server's cost) and links, so the step runs close to the bare model's rate."""
    started = time.perf_counter()
    report = EnrichReport(model=embedder.name)
    index_ready = False
    in_flight: Future[None] | None = None  # the previous page's write; at most one, so writes stay in order
    in_flight_keys: set[str] = set()  # nodes of that page: they can still read as missing until it lands
    in_flight_hashes: set[str] = set()  # embeddings of that page: known, though not stored yet
    counts = {r["label"]: int(r["n"]) for r in store.run("text-node-counts")}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich-writer") as writer:
        for source in TEXT_SOURCES:
            # a guard against looping on nodes whose links cannot be written (e.g. deleted meanwhile)
            budget, processed = counts.get(source.label.value, 0) + 2 * page_size, 0
            while True:
                page = store.run(source.missing, {"model": embedder.name, "limit": 2 * page_size})
                fresh = [row for row in page if row["key"] not in in_flight_keys][:page_size]
                if not fresh and in_flight is not None and page:
                    in_flight.result()  # only the page being written came back: wait for it and look again
                    in_flight, in_flight_keys = None, set()
                    continue
                if not fresh or processed > budget:
                    break
                by_hash: dict[str, str] = {}
                links: list[dict[str, str]] = []
                for row in fresh:
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
                in_flight_keys, in_flight_hashes = {row["key"] for row in fresh}, set(new)
                processed += len(fresh)
                report.nodes += len(fresh)
                report.texts += len(by_hash)
                report.computed += len(new)
                report.reused += len(by_hash) - len(new)
                report.linked += len(links)
                report.by_label[source.label.value] = report.by_label.get(source.label.value, 0) + len(links)
        if in_flight is not None:
            in_flight.result()
    report.seconds = time.perf_counter() - started
    return report


def _write_page(store: GraphStore, source: TextSource, embeddings: list[dict[str, Any]],
                links: list[dict[str, str]]) -> None:
    if embeddings:
        store.run("embeddings-upsert", {"rows": embeddings})
    if links:
        store.run(source.link, {"rows": links})


def ensure_embedding_index(store: GraphStore, embedder: Embedder) -> None:
    """Create the vector index over `Embedding.vector` at the model's dimension (idempotent)."""
    store.ensure_vector_index(Label.EMBEDDING, EMBEDDING_VECTOR_PROPERTY, embedder.dimension)
