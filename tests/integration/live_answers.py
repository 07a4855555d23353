"""The questions' answers read off the live state's counters, beside the same questions asked of the interactions by
the analysts' scan queries, so a test can hold one against the other (integers exact, doubles within 1e-9).

Until the state-reading named queries of journey-map, cx-by-channel and journeyPaths land, the counters are shaped
into answers here, from docs/graph-model.md "Live state"; frictionToCompetitors reads its own
`friction-to-competitors-live`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from graph.store import GraphStore


def counters(store: GraphStore, label: str) -> list[dict[str, Any]]:
    return [r["c"] for r in store.read(f"MATCH (s:{label}) RETURN properties(s) AS c", name="test-counters")]


def same(a: Any, b: Any, where: str = "") -> None:
    """Equal answers: integers exactly, doubles within 1e-9 relative, lists and maps element by element."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, (where, a, b)
        assert math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), (where, sorted(a), sorted(b))
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, a, b)
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{n}]")
    else:
        assert a == b, (where, a, b)


def friction_answers(store: GraphStore, persona: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(from the state, from the scan) for windowDays 90, the whole history, every friction."""
    live = store.run("friction-to-competitors-live", {"persona": persona, "limit": 1000})
    scan = store.run("friction-to-competitors", {"persona": persona, "windowDays": 90, "limit": 1000})
    return live, scan


def journey_map_answers(store: GraphStore, persona: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """{(stage, touchpoint): row} from the counters and from cypher/journey-map.cypher."""
    hits: dict[tuple[Any, str], list[tuple[str, int]]] = defaultdict(list)
    for f in counters(store, "MapFrictionStat"):
        if f["persona"] == persona:
            hits[(f.get("stage"), f["touchpoint"])].append((f["friction"], f["hits"]))
    live = {}
    for m in counters(store, "MapStat"):
        if m["persona"] != persona:
            continue
        cell = (m.get("stage"), m["touchpoint"])
        top = sorted(hits[cell], key=lambda fh: (-fh[1], fh[0]))[:3]
        live[cell] = {"interactions": m["interactions"], "customers": m["customers"],
                      "avgCsat": m["csat_sum"] / m["csat_count"] if m["csat_count"] else None,
                      "avgCes": m["ces_sum"] / m["ces_count"] if m["ces_count"] else None,
                      "negativeShare": m["negatives"] / m["interactions"],
                      "topFrictions": [{"friction": f, "count": n} for f, n in top],
                      "dropOff": m["drops"] / m["journeys"]}
    scan = {}
    for row in store.run("journey-map", {"persona": persona}):
        for t in row["touchpoints"]:
            scan[(row["stage"], t["touchpoint"])] = {k: v for k, v in t.items() if k != "touchpoint"}
    return live, scan


def channel_answers(store: GraphStore) -> tuple[dict[Any, Any], dict[Any, Any]]:
    live = {}
    for c in counters(store, "ChannelStat"):
        n = c["interactions"]
        live[c.get("channel")] = {
            "interactions": n, "customers": c["customers"],
            "avgCsat": c["csat_sum"] / c["csat_count"] if c["csat_count"] else None,
            "avgCes": c["ces_sum"] / c["ces_count"] if c["ces_count"] else None,
            "avgNps": c["nps_sum"] / c["nps_count"] if c["nps_count"] else None,
            "nps": 100.0 * (c["promoters"] - c["detractors"]) / c["nps_count"] if c["nps_count"] else None,
            "negativeShare": c["negatives"] / n, "failureShare": c["failures"] / n,
            "frictionHits": c["friction_hits"]}
    scan = {r["channel"]: {k: v for k, v in r.items() if k != "channel"} for r in store.run("cx-by-channel")}
    return live, scan


def paths_answers(store: GraphStore, persona: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Whole-journey paths (no matcher, no period): every sequence and transition, from the counters (the median
    gap from the gap buckets) and from cypher/journey-paths.cypher."""
    scope = "all" if persona is None else f"persona:{persona}"
    sequences = {tuple(p["steps"]): {"occurrences": p["journeys"], "customers": p["customers"]}
                 for p in counters(store, "PathStat") if p["scope"] == scope}
    buckets: dict[tuple[str, str], dict[int, list[int]]] = defaultdict(dict)
    for b in counters(store, "GapBucket"):
        if b["scope"] == scope:
            buckets[(b["from_touchpoint"], b["to_touchpoint"])][b["bucket"]] = b["gaps"]
    transitions = {}
    for t in counters(store, "TransitionStat"):
        if t["scope"] != scope:
            continue
        pair = (t["from_touchpoint"], t["to_touchpoint"])
        transitions[pair] = {"occurrences": t["occurrences"],
                             "medianMs": _median(dict(zip(t["gap_buckets"], t["gap_counts"], strict=True)),
                                                 buckets[pair], t["occurrences"])}
    live = {"sequences": sequences, "transitions": transitions,
            "total": sum(p["journeys"] for p in counters(store, "PathScopeStat") if p["scope"] == scope)}
    scan: dict[str, Any] = {"sequences": {}, "transitions": {}, "total": 0}
    for row in store.run("journey-paths", {"persona": persona, "limit": 100000}):
        if row["kind"] == "sequence":
            scan["total"] = row["total"]
            scan["sequences"] = {tuple(r["steps"]): {"occurrences": r["occurrences"], "customers": r["customers"]}
                                 for r in row["rows"]}
        else:
            scan["transitions"] = {tuple(r["steps"]): {"occurrences": r["occurrences"], "medianMs": r["medianMs"]}
                                   for r in row["rows"]}
    return live, scan


def _median(histogram: dict[int, int], buckets: dict[int, list[int]], n: int) -> float:
    """The median of a transition's gaps: the histogram says which bucket holds the k-th smallest, the bucket's
    sorted gaps say which value it is."""
    def kth(k: int) -> int:  # 0-based
        for bucket in sorted(histogram):
            if k < histogram[bucket]:
                return buckets[bucket][k]
            k -= histogram[bucket]
        raise AssertionError("the histogram holds fewer gaps than the transition's occurrences")
    return float(kth(n // 2)) if n % 2 else (kth(n // 2 - 1) + kth(n // 2)) / 2
