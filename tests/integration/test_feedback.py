"""Semantic search over verbatims (optionally within a persona) and discovery of uncoded frictions."""

from __future__ import annotations

from typing import Any

import pytest
from demo_graph import DemoTwin
from intelligence_graph import DAY_MS, add_customer, add_events, add_touchpoint, load_catalog, ms

from graph.embeddings import Embedder
from graph.enrichment import enrich
from graph.errors import InputError
from graph.feedback import cluster_texts, similar_feedback, suggest_code, suggest_frictions
from graph.store import GraphStore

T0 = ms("2024-05-01T00:00:00Z")
LATE = ["My parcel arrived two weeks after the promised delivery date.",
        "The delivery was late again, I waited days for my order.",
        "Still waiting for my package, the shipping is so slow.",
        "Order took forever to be delivered, way past the estimate."]
RUDE = ["The staff in the shop were rude to me.",
        "The shop assistant was impolite and ignored my questions.",
        "Unfriendly employees at the store, very rude service."]


def _event(event_id: str, customer: str, text: str, day: int = 0, **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "customer_id": customer, "ts": T0 + day * DAY_MS, "touchpoint": "delivery",
            "type": "feedback", "text": text, **extra}


def test_within_a_persona_only_its_verbatims_are_searched(store: GraphStore, embedder: Embedder) -> None:
    add_touchpoint(store, "delivery", "web")
    add_customer(store, "ana", [{"persona": "trend-seeker", "weight": 0.8, "since": T0 + 10 * DAY_MS}])
    add_customer(store, "ben", [{"persona": "loyal-pro", "weight": 1.0}])
    add_events(store, [
        _event("ana-before", "ana", LATE[0], day=1),  # before Ana was a trend seeker
        _event("ana-after", "ana", LATE[1], day=20),
        _event("ben-late", "ben", LATE[2], day=20),
    ])
    enrich(store, embedder)

    everybody = similar_feedback(store, embedder, "my order came a week late", k=3)
    assert {m.interaction_id for m in everybody} == {"ana-before", "ana-after", "ben-late"}
    assert all(0.3 < m.score <= 1.0 for m in everybody)
    assert [m.score for m in everybody] == sorted((m.score for m in everybody), reverse=True)

    trend = similar_feedback(store, embedder, "my order came a week late", k=3, persona="trend-seeker")
    assert [(m.interaction_id, m.customer_id) for m in trend] == [("ana-after", "ana")]


def test_nothing_embedded_yet_gives_no_matches_and_bad_input_is_refused(store: GraphStore,
                                                                         embedder: Embedder) -> None:
    assert similar_feedback(store, embedder, "late parcel") == []
    with pytest.raises(InputError, match="non-empty text"):
        similar_feedback(store, embedder, "   ")
    with pytest.raises(InputError, match="k=0"):
        similar_feedback(store, embedder, "late parcel", k=0)


def test_uncoded_negative_verbatims_become_candidate_frictions(store: GraphStore, embedder: Embedder) -> None:
    load_catalog(store, {"frictions": [{"code": "long_wait", "name": "Long wait for an appointment"}]})
    add_touchpoint(store, "delivery", "web")
    add_touchpoint(store, "shop", "store")
    events = [_event(f"late-{n}", f"c{n}", text, n, experience="negative") for n, text in enumerate(LATE)]
    events += [_event(f"rude-{n}", f"d{n}", text, n, sentiment=-0.6) | {"touchpoint": "shop"}
               for n, text in enumerate(RUDE)]
    events += [
        # already coded, or not negative: not candidates
        _event("coded", "e1", "My delivery was late by a week.", experience="negative", friction=["long_wait"]),
        _event("happy", "e2", "The delivery was quick, thank you!", experience="exceeded"),
        _event("lonely", "e3", "The colour of the box was ugly.", experience="negative"),
    ]
    add_events(store, events)
    enrich(store, embedder)

    candidates = suggest_frictions(store, embedder, min_size=3)

    assert [(c.size, c.touchpoint) for c in candidates] == [(4, "delivery"), (3, "shop")]
    late, rude = candidates
    assert set(late.interaction_ids) == {f"late-{n}" for n in range(4)}
    assert set(rude.interaction_ids) == {f"rude-{n}" for n in range(3)}
    assert late.name in LATE and len(late.examples) == 3 and set(late.examples) <= set(LATE)
    assert 0.6 < late.cohesion <= 1.0
    assert late.code != rude.code and "long_wait" not in (late.code, rude.code)


def test_clusters_grow_from_the_densest_text() -> None:
    import numpy as np

    vectors = np.array([[1, 0], [0.99, 0.14], [0.98, 0.2], [0, 1], [0.1, 0.995]], dtype=np.float32)
    assert cluster_texts(vectors, [1, 1, 1, 1, 1], threshold=0.9, min_size=3) == [[0, 1, 2]]
    # weights are interactions per distinct text: two texts said ten times form a cluster
    assert cluster_texts(vectors, [1, 1, 1, 5, 5], threshold=0.9, min_size=3)[0] == [3, 4]


def test_the_suggested_code_uses_the_words_that_set_the_cluster_apart() -> None:
    everything = LATE + RUDE
    assert suggest_code(RUDE, everything) == "rude_shop"


def test_a_verbatim_said_by_many_is_one_match_represented_by_its_latest_interaction(store: GraphStore,
                                                                                   embedder: Embedder) -> None:
    add_touchpoint(store, "delivery", "web")
    for n in range(3):
        add_customer(store, f"s{n}")
    add_events(store, [_event(f"same-{n}", f"s{n}", LATE[0], day=n) for n in range(3)]
               + [_event(f"other-{n}", f"s{n}", text, day=5) for n, text in enumerate(LATE[1:])])
    enrich(store, embedder)
    matches = similar_feedback(store, embedder, "my order came a week late", k=4)
    assert sorted(m.text for m in matches) == sorted(LATE)  # four distinct texts, not the same one three times
    [same] = [m for m in matches if m.text == LATE[0]]
    assert (same.interaction_id, same.customer_id, same.occurrences) == ("same-2", "s2", 3)


def test_praise_and_as_expected_verbatims_are_never_suggested_as_frictions(store: GraphStore,
                                                                          embedder: Embedder) -> None:
    add_touchpoint(store, "delivery", "web")
    met = ["Everything went as expected.", "Fine, no complaints.", "Quick and simple, as it should be."]
    events = [_event(f"late-{n}", f"c{n}", text, n, experience="negative") for n, text in enumerate(LATE)]
    # detractor scores (NPS 6) once made these look negative
    events += [_event(f"met-{n}-{k}", f"m{n}{k}", text, n, experience="met", nps=6) for n, text in enumerate(met)
               for k in range(3)]
    # one text, said in anger once and with CSAT 5 once: it is not a friction
    events += [_event("mixed-1", "x1", "The delivery was quick.", 1, experience="negative"),
               _event("mixed-2", "x2", "The delivery was quick.", 2, csat=5),
               _event("mixed-3", "x3", "The delivery was quick.", 3, sentiment=-0.4)]
    add_events(store, events)
    enrich(store, embedder)
    candidates = suggest_frictions(store, embedder, min_size=3, threshold=0.3)
    suggested = {text for c in candidates for text in c.examples}
    assert suggested and suggested <= set(LATE)


def test_a_complaint_finds_complaints_on_the_demo_twin(demo_twin: DemoTwin, embedder: Embedder) -> None:
    store = demo_twin.store
    enrich(store, embedder)
    matches = similar_feedback(store, embedder, "rude staff in store", k=3)
    assert len({m.text for m in matches}) == 3
    for m in matches:
        [tone] = store.read("MATCH (x:Interaction) WHERE x.text = $text RETURN "
                            "sum(CASE WHEN x.experience = 'exceeded' THEN 1 ELSE 0 END) AS exceeded, "
                            "max(x.sentiment) AS sentiment", {"text": m.text})
        assert tone["exceeded"] == 0 and (tone["sentiment"] or 0) <= 0.3, (m.text, tone)
    praise = similar_feedback(store, embedder, "super friendly staff, great advice", k=3)
    assert "Super friendly staff and the advice was spot on." in [m.text for m in praise]  # praise is still found

    for candidate in suggest_frictions(store, embedder):
        said = store.read("MATCH (x:Interaction) WHERE x.id IN $ids RETURN DISTINCT x.text AS text",
                          {"ids": list(candidate.interaction_ids)})
        for text in {*candidate.examples, *(r["text"] for r in said)}:
            [tone] = store.read("MATCH (x:Interaction) WHERE x.text = $text RETURN max(x.csat) AS csat, "
                                "sum(CASE WHEN x.experience IN ['met', 'exceeded'] THEN 1 ELSE 0 END) AS positive",
                                {"text": text})
            assert (tone["csat"] or 0) < 4 and tone["positive"] == 0, (candidate.code, text, tone)
