"""The scan questions frozen as they stood after the one-home issue (the funnel's and retention's as they stood
before they read the Timelines):
`scan/*.cypher` are copies of the production queries, so a later change to `cypher/` cannot move the oracle. Each
function runs its copy on a store passed in (anything with the store port's `engine` and `read`; nothing of `graph/`
is imported) and shapes the rows as the `graph/analytics` function of the same name answers: instants as epoch ms,
lists in their documented order (`funnel_rows`: the query's count rows, sorted)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

HERE = Path(__file__).resolve().parent / "scan"
MATCHER_KEYS = ("touchpoint", "type", "stage", "channel", "outcome")
_INCLUDE = re.compile(r"^\s*//\s*include:", re.MULTILINE)

Row = dict[str, Any]


class Store(Protocol):
    @property
    def engine(self) -> str: ...

    def read(self, query: str, params: Mapping[str, Any] | None = None) -> list[Row]: ...


def query_text(name: str, engine: str) -> str:
    """The frozen text of `name` for `engine` (its `NAME.<engine>.cypher` variant when there is one)."""
    variant = HERE / f"{name}.{engine}.cypher"
    path = variant if variant.exists() else HERE / f"{name}.cypher"
    text = path.read_text(encoding="utf-8")
    if _INCLUDE.search(text):  # the public queries copy their shared rules out; a copy that included one would drift
        raise ValueError(f"{path} includes a fragment: a frozen query must hold its whole text.")
    return text


def _run(store: Store, name: str, params: Mapping[str, Any]) -> list[Row]:
    return store.read(query_text(name, store.engine), params)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def friction_to_competitors(store: Store, persona: str, window_days: int = 90, since: int | None = None,
                            until: int | None = None, min_exposed: int = 1, limit: int = 10) -> list[Row]:
    rows = _run(store, "friction-to-competitors", {"persona": persona, "windowDays": window_days, "since": since,
                                                   "until": until, "minExposed": min_exposed, "limit": limit})
    return [{"friction": r["friction"], "exposed": int(r["exposed"]), "switched": int(r["switched"]),
             "rate": float(r["rate"]), "baselineRate": _float(r["baselineRate"]), "lift": _float(r["lift"]),
             "ciLow": float(r["ciLow"]), "ciHigh": float(r["ciHigh"]),
             "competitors": sorted(({"competitor": c["competitor"], "count": int(c["count"])}
                                    for c in r["competitors"]), key=lambda c: (-c["count"], c["competitor"]))}
            for r in rows]


def journey_map(store: Store, persona: str, since: int | None = None, until: int | None = None) -> list[Row]:
    rows = _run(store, "journey-map", {"persona": persona, "since": since, "until": until})
    return [{"stage": r["stage"], "touchpoints": [
        {"touchpoint": t["touchpoint"], "interactions": int(t["interactions"]), "customers": int(t["customers"]),
         "avgCsat": _float(t["avgCsat"]), "avgCes": _float(t["avgCes"]), "negativeShare": float(t["negativeShare"]),
         "topFrictions": [{"friction": f["friction"], "count": int(f["count"])} for f in t["topFrictions"]],
         "dropOff": _float(t["dropOff"])} for t in r["touchpoints"]]} for r in rows]


def cx_by_channel(store: Store, since: int | None = None, until: int | None = None) -> list[Row]:
    rows = _run(store, "cx-by-channel", {"since": since, "until": until})
    return [{"channel": r["channel"], "interactions": int(r["interactions"]), "customers": int(r["customers"]),
             "avgCsat": _float(r["avgCsat"]), "avgCes": _float(r["avgCes"]), "avgNps": _float(r["avgNps"]),
             "nps": _float(r["nps"]), "negativeShare": float(r["negativeShare"]),
             "failureShare": float(r["failureShare"]), "frictionHits": int(r["frictionHits"])} for r in rows]


def journey_paths(store: Store, persona: str | None = None, limit: int = 10, *,
                  start: Mapping[str, str] | None = None, end: Mapping[str, str] | None = None, max_steps: int = 5,
                  since: int | None = None, until: int | None = None) -> Row:
    def matcher(given: Mapping[str, str] | None) -> dict[str, str | None] | None:
        return None if given is None else {k: given.get(k) for k in MATCHER_KEYS}

    found = {r["kind"]: r for r in _run(store, "journey-paths", {
        "persona": persona, "limit": limit, "start": matcher(start), "end": matcher(end), "maxSteps": max_steps,
        "since": since, "until": until})}
    if "sequence" not in found:
        return {"sequences": [], "transitions": [], "paths": 0, "variants": [], "edges": []}
    paths = int(found["sequence"]["total"])
    sequences = sorted(({"steps": list(s["steps"]), "occurrences": int(s["occurrences"]),
                         "customers": int(s["customers"])} for s in found["sequence"]["rows"]),
                       key=lambda s: (-s["occurrences"], s["steps"]))
    transitions = sorted(({"source": t["steps"][0], "target": t["steps"][1], "occurrences": int(t["occurrences"]),
                           "medianMs": float(t["medianMs"])}
                          for t in (found["transition"]["rows"] if "transition" in found else [])),
                         key=lambda t: (-t["occurrences"], t["source"], t["target"]))
    return {"sequences": sequences, "transitions": transitions, "paths": paths,
            "variants": [{"variant": s["steps"], "journeys": s["occurrences"], "share": s["occurrences"] / paths}
                         for s in sequences],
            "edges": [{"source": t["source"], "target": t["target"], "count": t["occurrences"],
                       "medianMs": t["medianMs"]} for t in transitions]}


def funnel_rows(store: Store, steps: list[Mapping[str, str]], persona: str | None = None, window_days: int = 14,
                since: int | None = None, until: int | None = None, breakdown: str | None = None,
                min_hitters: int = 1) -> list[Row]:
    """The funnel's count rows ({kind, key, step, customers, dropped, medianMs}, as `funnel-live` returns them)."""
    rows = _run(store, "funnel", {"steps": steps, "persona": persona, "windowDays": window_days, "since": since,
                                  "until": until, "breakdown": breakdown, "minHitters": min_hitters})
    return sorted(rows, key=lambda r: (r["kind"], str(r["key"]), r["step"]))


def retention_row(store: Store, cohort_event: Mapping[str, str], return_event: Mapping[str, str],
                  period: str = "WEEK", periods: int = 8, since: int | None = None, until: int | None = None,
                  persona: str | None = None, as_of: int | None = None) -> Row:
    """Retention's one row ({asOf, cohorts}, as `retention-live` returns it)."""
    return _run(store, "retention", {"cohortEvent": cohort_event, "returnEvent": return_event, "period": period,
                                     "periods": periods, "since": since, "until": until, "persona": persona,
                                     "asOf": as_of})[0]
