"""The enrichment step: embed every text in the graph that has no embedding yet, each distinct text once.

Runs apart from ingest (`dtc enrich`, or a call from the stream worker between batches), so a slow model never
holds up writes. A text's embedding is keyed by sha256(model name + text): a text seen before, on any node, links to
the existing `Embedding` node instead of being encoded again, and `EnrichReport.computed` counts what was encoded.

    report = enrich(store, Embedder())
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from graph.embeddings import DEFAULT_BATCH_SIZE, Embedder
from graph.ontology import EMBEDDING_VECTOR_PROPERTY, Label, Rel, key_of
from graph.store import GraphStore

PAGE_SIZE = 2048  # nodes read, embedded and linked per round


@dataclass(frozen=True)
class TextSource:
    """Where embeddable text lives: a label and the Cypher expression (over `n`) that yields its text."""

    label: Label
    text: str


TEXT_SOURCES: tuple[TextSource, ...] = (
    TextSource(Label.INTERACTION, "n.text"),
    TextSource(Label.PERSONA, "n.description"),
    TextSource(Label.INSIGHT, "n.text"),
    TextSource(Label.FRICTION_POINT, "coalesce(n.description, n.name)"),
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
    """Embed and link every text node without an embedding of `embedder`'s model; safe to run at any time."""
    started = time.perf_counter()
    report = EnrichReport(model=embedder.name)
    index_ready = False
    for source in TEXT_SOURCES:
        done: set[str] = set()
        while True:
            page = store.read(_missing_query(source), {"model": embedder.name, "limit": page_size},
                              name="enrich-missing")
            if not page or all(row["key"] in done for row in page):
                break  # nothing left, or only nodes whose links could not be written (a concurrent delete)
            done.update(row["key"] for row in page)
            by_hash: dict[str, str] = {}
            links: list[dict[str, str]] = []
            for row in page:
                digest = embedder.text_hash(row["text"])
                by_hash.setdefault(digest, row["text"])
                links.append({"hash": digest, "key": row["key"]})
            known = {r["hash"] for r in store.read(_KNOWN_HASHES, {"hashes": list(by_hash)}, name="enrich-known")}
            new = [h for h in by_hash if h not in known]
            if new and not index_ready:
                ensure_embedding_index(store, embedder)
                index_ready = True
            vectors = embedder.encode([by_hash[h] for h in new], batch_size=batch_size)
            store.run("embeddings-upsert", {"rows": [
                {"hash": h, "model": embedder.name, "vector": vector.tolist()} for h, vector in zip(new, vectors,
                                                                                                      strict=True)
            ]})
            store.write_batches(_link_query(source), links, batch_size=page_size, name="enrich-link")
            report.nodes += len(page)
            report.texts += len(by_hash)
            report.computed += len(new)
            report.reused += len(by_hash) - len(new)
            report.linked += len(links)
            report.by_label[source.label.value] = report.by_label.get(source.label.value, 0) + len(links)
            if len(page) < page_size:
                break
    report.seconds = time.perf_counter() - started
    return report


def ensure_embedding_index(store: GraphStore, embedder: Embedder) -> None:
    """Create the vector index over `Embedding.vector` at the model's dimension (idempotent)."""
    store.ensure_vector_index(Label.EMBEDDING, EMBEDDING_VECTOR_PROPERTY, embedder.dimension)


_KNOWN_HASHES = f"UNWIND $hashes AS h MATCH (e:{Label.EMBEDDING.value} {{hash: h}}) RETURN e.hash AS hash"


def _missing_query(source: TextSource) -> str:
    return (
        f"MATCH (n:{source.label.value}) WHERE n.{key_of(source.label)} IS NOT NULL "
        f"AND {source.text} IS NOT NULL AND trim({source.text}) <> '' "
        f"AND NOT (n)<-[:{Rel.EMBEDS.value}]-(:{Label.EMBEDDING.value} {{model: $model}}) "
        f"RETURN n.{key_of(source.label)} AS key, {source.text} AS text LIMIT $limit"
    )


def _link_query(source: TextSource) -> str:
    return (
        f"UNWIND $rows AS row MATCH (e:{Label.EMBEDDING.value} {{hash: row.hash}}) "
        f"MATCH (n:{source.label.value} {{{key_of(source.label)}: row.key}}) "
        f"MERGE (e)-[:{Rel.EMBEDS.value}]->(n)"
    )
