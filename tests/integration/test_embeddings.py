"""Embeddings with the real model: meaning, the content-hash cache and the vector index."""

from __future__ import annotations

import numpy as np
import pytest
from intelligence_graph import add_events, add_touchpoint, load_catalog, rows_returned

from graph import paging
from graph.embeddings import Embedder, embedder_from, text_hash
from graph.enrichment import enrich
from graph.feedback import similar_feedback
from graph.settings import Settings
from graph.store import GraphStore

VERBATIMS = {
    "late": "The delivery arrived ten days after the promised date.",
    "price": "Your prices are far too expensive compared to other shops.",
    "rude": "The staff in the store were rude and ignored me.",
    "app": "The app crashes every time I open my basket.",
}


def _feedback_events(prefix: str, texts: dict[str, str]) -> list[dict[str, object]]:
    return [{"event_id": f"{prefix}-{name}", "customer_id": f"c-{name}", "ts": 1_710_000_000_000 + n * 60_000,
             "touchpoint": "contact", "type": "feedback", "text": text}
            for n, (name, text) in enumerate(texts.items())]


def test_vectors_are_normalised_and_the_same_text_gives_the_same_vector(embedder: Embedder) -> None:
    vectors = embedder.encode(["my parcel came a week late", "my parcel came a week late", "cheap shampoo"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert np.allclose(vectors[0], vectors[1])
    assert embedder.name == "all-MiniLM-L6-v2"
    assert embedder.text_hash("x") == text_hash("all-MiniLM-L6-v2", "x") != text_hash("other-model", "x")


def test_the_model_is_loaded_once_per_process(embedder: Embedder) -> None:
    again = embedder_from(Settings())
    assert again.model is embedder.model


def test_a_late_parcel_is_closest_to_the_delivery_delay_verbatim(store: GraphStore, embedder: Embedder) -> None:
    add_touchpoint(store, "contact", "web")
    add_events(store, _feedback_events("e", VERBATIMS))
    enrich(store, embedder)

    matches = similar_feedback(store, embedder, "my parcel came a week late", k=4)

    assert [m.interaction_id for m in matches][0] == "e-late"
    scores = {m.interaction_id: m.score for m in matches}
    assert scores["e-late"] > scores["e-price"] + 0.2
    assert matches[0].customer_id == "c-late"
    assert matches[0].text == VERBATIMS["late"]


def test_enrichment_embeds_each_distinct_text_once(store: GraphStore, embedder: Embedder) -> None:
    load_catalog(store, {
        "personas": [{"code": "saver", "name": "Saver", "description": "Hunts for discounts and compares prices.",
                      "empathy": {"say": ["Is there a cheaper option?"], "feel": ["Anxious about money"]}}],
        "frictions": [{"code": "late", "name": "Late delivery"},
                      {"code": "broken", "name": "Broken item", "description": "The item arrived damaged."}],
    })
    add_touchpoint(store, "contact", "web")
    add_events(store, _feedback_events("first", VERBATIMS))
    # the same text twice within one run is encoded once
    add_events(store, _feedback_events("twin", {"late": VERBATIMS["late"]}))

    first = enrich(store, embedder)
    assert (first.nodes, first.texts, first.computed, first.reused, first.linked) == (10, 9, 9, 0, 10)
    assert first.by_label == {"Interaction": 5, "Persona": 1, "Insight": 2, "FrictionPoint": 2}

    nothing_new = enrich(store, embedder)
    assert (nothing_new.nodes, nothing_new.computed, nothing_new.linked) == (0, 0, 0)

    # the same verbatims arrive again on new events: linked to the stored embeddings, nothing recomputed
    add_events(store, _feedback_events("again", VERBATIMS))
    again = enrich(store, embedder)
    assert (again.nodes, again.computed, again.reused, again.linked) == (4, 0, 4, 4)
    rows = store.read("MATCH (e:Embedding) RETURN count(e) AS embeddings")
    assert rows[0]["embeddings"] == 9
    rows = store.read("MATCH (e:Embedding)-[:EMBEDS]->(i:Interaction {id: 'again-late'}) "
                      "MATCH (e)-[:EMBEDS]->(j:Interaction) RETURN collect(j.id) AS ids")
    assert sorted(rows[0]["ids"]) == ["again-late", "first-late", "twin-late"]
    # the stored vector is the model's: the text was encoded in a padded batch, which moves the last float32 digits
    # (measured up to ~1e-7) against encoding it alone; a wrong or truncated vector differs by orders more
    stored = store.read("MATCH (e:Embedding)-[:EMBEDS]->(:Interaction {id: 'first-late'}) RETURN e.vector AS v")
    assert np.allclose(np.asarray(stored[0]["v"], dtype=np.float32), embedder.encode([VERBATIMS["late"]])[0],
                       rtol=0, atol=1e-5)


def test_small_pages_with_repeated_texts_still_embed_each_text_once(store: GraphStore, embedder: Embedder) -> None:
    add_touchpoint(store, "contact", "web")
    texts = list(VERBATIMS.values())
    # eleven events cycling through four texts: repeats land in the page being written and in later pages
    add_events(store, [{"event_id": f"p{n:02d}", "customer_id": "c", "ts": 1_710_000_000_000 + n * 60_000,
                        "touchpoint": "contact", "type": "feedback", "text": texts[n % 4]} for n in range(11)])

    report = enrich(store, embedder, page_size=3)

    assert (report.nodes, report.computed, report.linked) == (11, 4, 11)
    assert report.reused == report.texts - 4
    rows = store.read("MATCH (i:Interaction) WHERE NOT (i)<-[:EMBEDS]-(:Embedding) RETURN count(i) AS unlinked")
    assert rows[0]["unlinked"] == 0
    assert store.read("MATCH (e:Embedding) RETURN count(e) AS n")[0]["n"] == 4


def test_enrichment_reads_a_window_of_ids_at_a_time(store: GraphStore, embedder: Embedder,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding the texts without an embedding scanned every interaction in one read, up to 8.9 s at 1M interactions
    (over graph.store.SLOW_CALL_S) once most were embedded; each read covers one window of node ids now."""
    add_touchpoint(store, "contact", "web")
    texts = list(VERBATIMS.values())
    add_events(store, [{"event_id": f"w{n:02d}", "customer_id": f"c{n % 3}", "ts": 1_710_000_000_000 + n * 60_000,
                        "touchpoint": "contact", "type": "feedback", "text": texts[n % 4]} for n in range(9)])
    monkeypatch.setattr(paging, "ID_WINDOW", 3)
    returned = rows_returned(store, monkeypatch)

    report = enrich(store, embedder)

    assert (report.nodes, report.computed, report.linked) == (9, 4, 9)
    assert max(returned["enrich-missing-interactions"]) <= 3 and sum(returned["enrich-missing-interactions"]) == 9
    rows = store.read("MATCH (i:Interaction) WHERE NOT (i)<-[:EMBEDS]-(:Embedding) RETURN count(i) AS unlinked")
    assert rows[0]["unlinked"] == 0
    again = enrich(store, embedder)
    assert (again.nodes, again.linked) == (0, 0)
