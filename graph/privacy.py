"""Trust by default: consent per purpose, the right of access, the right to erasure, and the audit trail.

Consent: `(Customer)-[:GAVE]->(Consent {purpose, granted, ts, source, actor})`, one node per decision, so the history
is kept; the latest decision per purpose is the one that counts, by one rule (`LATEST_DECISION`) that every reader and
writer uses. `Customer.refused` lists the purposes whose
latest decision refuses them: derived data, rewritten from the whole history by every consent writer (`REFRESH_REFUSED`)
so aggregates can leave out analytics refusals with one property test. See docs/privacy.md for how processing
respects it (profiling, marketing, analytics).

Audit trail: `AuditEntry {id, ts, actor, action, subject, detail}` nodes, appended and never changed. They never hold
personal data: a customer appears only as `customer_ref(customer_id, key)`, a keyed hash whose key lives in the
configuration (the identity key), never in the graph. So an entry about `sydney` survives her erasure without
naming her, and an admin who knows an id can still find its entries by computing the same reference.

Erasure works from the `ErasureTargets` of a customer (collected before anything is deleted, so the parts outside the
graph can be scrubbed too), deletes or rewrites leaf data first and the customer node last, so an interrupted erasure
converges when run again; a second erasure of the same id finds nothing and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from graph.errors import InputError, StoreError
from graph.ontology import PII_PREFIX, Label, Rel
from graph.store import GraphStore, batched

log = logging.getLogger(__name__)

PURPOSES: tuple[str, ...] = ("marketing", "personalization", "analytics", "profiling")
ErasureMode = Literal["ERASE", "ANONYMIZE"]
ERASURE_MODES: tuple[str, ...] = ("ERASE", "ANONYMIZE")
DEFAULT_AUDIT_LIMIT = 100
DURABILITY_TIMEOUT_MS = 5000
_PURPOSE = re.compile(r"[a-z][a-z0-9_-]{0,49}")
_BATCH = 1000

# audit actions
CONSENT_CHANGED, EXPORTED, ERASED, ANONYMIZED, PII_READ = "consent", "export", "erase", "anonymize", "pii_read"

C, IDN, INT, JRN, CNS, EMB, AUD = (Label.CUSTOMER, Label.IDENTITY, Label.INTERACTION, Label.JOURNEY, Label.CONSENT,
                                   Label.EMBEDDING, Label.AUDIT_ENTRY)


# -- the latest decision per purpose: the one rule every consent reader and writer uses --------------------------
# Per purpose the decision with the largest ts counts; an undated decision (a customer file without `ts`) is older
# than every dated one; at equal ts, or among undated ones (distinct nodes only exist after customers merged), a
# refusal wins. The same customer, purpose and ts make the same Consent id (`consent_id`), so a decision written again
# replaces the earlier one.
UNDATED = -1
# which decisions count as of `$at` (epoch ms; null: all of them): a decision counts from its ts on, an undated one
# always
DECIDED_BY_AT = "($at IS NULL OR k.ts IS NULL OR k.ts <= $at)"
# over rows (c, k), k one Consent of c (or null), keeps one row (c, purpose, granted) per purpose: the decision that
# counts (purpose and granted are null for a c without decisions)
LATEST_DECISION = f"""
WITH c, k.purpose AS purpose, collect([coalesce(k.ts, {UNDATED}), k.granted]) AS decisions
WITH c, purpose, reduce(latest = [{UNDATED} - 1, true], d IN decisions |
       CASE WHEN d[0] > latest[0] OR (d[0] = latest[0] AND d[1] = false) THEN d ELSE latest END) AS latest
WITH c, purpose, latest[1] AS granted
"""
# Rewrites `c.refused` for the customers bound to `c` from each one's whole consent history (so a re-ingested old
# decision never overrides a newer one). Absent when nothing is refused.
REFRESH_REFUSED = f"""
WITH DISTINCT c
OPTIONAL MATCH (c)-[:{Rel.GAVE}]->(k:{CNS})
{LATEST_DECISION}
WITH c, purpose, granted ORDER BY purpose
WITH c, collect(CASE WHEN granted = false THEN purpose END) AS refused
SET c.refused = CASE WHEN size(refused) > 0 THEN refused END
"""
_LATEST_CONSENTS = f"""
UNWIND $ids AS cid MATCH (c:{C} {{id: cid}})-[:{Rel.GAVE}]->(k:{CNS}) WHERE {DECIDED_BY_AT}
{LATEST_DECISION}
RETURN c.id AS id, purpose, granted
"""


def consent_id(customer_id: str, purpose: str, ts: int | None) -> str:
    """The id of one consent decision, for every writer: a customer's decision for a purpose at a ts."""
    return f"{customer_id}:{purpose}:{ts if ts is not None else 'undated'}"


class Consent(TypedDict):
    customerId: str
    purpose: str
    granted: bool
    ts: int
    source: str | None
    actor: str | None


class AuditEntry(TypedDict):
    id: str
    ts: int
    actor: str
    action: str
    subject: str
    detail: str


class ErasureReport(TypedDict):
    customerId: str
    mode: str
    nodesDeleted: int
    propertiesScrubbed: int
    elsewhere: dict[str, int]  # what the scrub outside the graph removed (stream entries, rejects rows, ...)


@dataclass(frozen=True)
class ErasureTargets:
    """Everything that identifies one person, found in the graph before erasure starts."""

    customer_id: str
    customer_ids: frozenset[str]  # the customer and the customers merged into it
    event_ids: frozenset[str]
    journey_ids: frozenset[str]
    consent_ids: frozenset[str]
    identity_keys: frozenset[str]  # kind:hash
    pii_values: frozenset[str]  # the values of pii_* properties, to recognise raw events outside the graph

    @property
    def found(self) -> bool:
        return bool(self.customer_ids or self.event_ids)


OutsideScrub = Callable[[ErasureTargets], Mapping[str, int]]


# -- references and the audit trail ----------------------------------------------------------------------------
def customer_ref(customer_id: str, key: bytes) -> str:
    """The audit trail's name for a customer: a keyed hash, stable for one key, meaningless without it."""
    digest = hmac.new(key, b"dtc-audit-subject\x00" + customer_id.encode(), hashlib.sha256).hexdigest()
    return f"customer:{digest[:32]}"


def audit(store: GraphStore, actor: str, action: str, subject: str, detail: str = "", *,
          ts: int | None = None) -> AuditEntry:
    """Append one entry to the audit trail. `subject` and `detail` must hold no personal data (use `customer_ref`)."""
    if not actor.strip():
        raise InputError("An audit entry needs the actor who acted; give a user, role or service name.")
    now = _now_ms() if ts is None else int(ts)
    # the id starts with the time in ns, so entries of the same millisecond still list in the order they were written
    entry = AuditEntry(id=f"{time.time_ns():020d}-{secrets.token_hex(6)}", ts=now, actor=actor, action=action,
                       subject=subject, detail=detail)
    store.write(f"CREATE (a:{AUD} {{id: $id, ts: $ts, actor: $actor, action: $action, subject: $subject, "
                "detail: $detail})", dict(entry), name="audit")
    log.debug("audit %s by %s", action, actor)
    return entry


def audit_log(store: GraphStore, since: int | None = None, limit: int = DEFAULT_AUDIT_LIMIT, *,
              subject: str | None = None, action: str | None = None) -> list[AuditEntry]:
    """The latest `limit` audit entries at or after `since` (epoch ms), oldest first."""
    if limit < 1:
        raise InputError(f"limit={limit} must be at least 1.")
    rows = store.read(
        f"MATCH (a:{AUD}) WHERE ($since IS NULL OR a.ts >= $since) AND ($subject IS NULL OR a.subject = $subject) "
        "AND ($action IS NULL OR a.action = $action) "
        "RETURN a.id AS id, a.ts AS ts, a.actor AS actor, a.action AS action, a.subject AS subject, "
        "a.detail AS detail ORDER BY a.ts DESC, a.id DESC LIMIT $limit",
        {"since": since, "limit": int(limit), "subject": subject, "action": action}, name="audit-log")
    return [AuditEntry(id=r["id"], ts=r["ts"], actor=r["actor"], action=r["action"], subject=r["subject"],
                       detail=r["detail"] or "") for r in reversed(rows)]


# -- consent ---------------------------------------------------------------------------------------------------
def set_consent(store: GraphStore, customer_id: str, purpose: str, granted: bool, *, actor: str, source: str,
                subject_key: bytes, ts: int | None = None) -> Consent:
    """Record one consent decision (history kept) and audit it. Refusing `profiling` closes open model personas."""
    if not _PURPOSE.fullmatch(purpose):
        raise InputError(f"Consent purpose {purpose!r} is not a lowercase code such as {', '.join(PURPOSES)}.")
    at = _now_ms() if ts is None else int(ts)
    rows = store.write(  # the decision and the customer's `refused` list in one atomic query
        f"MATCH (c:{C} {{id: $customer_id}}) "
        f"MERGE (k:{CNS} {{id: $id}}) "
        "SET k.customer_id = $customer_id, k.purpose = $purpose, k.granted = $granted, k.ts = $ts, "
        "k.source = $source, k.actor = $actor "
        f"MERGE (c)-[:{Rel.GAVE}]->(k) {REFRESH_REFUSED} RETURN coalesce(c.refused, []) AS refused",
        {"customer_id": customer_id, "id": consent_id(customer_id, purpose, at), "purpose": purpose,
         "granted": bool(granted), "ts": at, "source": source, "actor": actor}, name="set-consent")
    if not rows:
        raise InputError(f"No customer {customer_id!r}: consent can only be recorded for a customer in the twin.")
    detail = f"purpose={purpose} granted={str(bool(granted)).lower()} source={source}"
    if purpose == "profiling" and "profiling" in rows[0]["refused"]:
        closed = store.write(
            f"MATCH (c:{C} {{id: $customer_id}})-[s:{Rel.SHOWS}]->(:{Label.PERSONA}) "
            "WHERE s.source STARTS WITH 'model:' AND (s.until IS NULL OR s.until > $ts) "
            "SET s.until = $ts RETURN count(s) AS n", {"customer_id": customer_id, "ts": at},
            name="close-model-personas")
        detail += f" modelPersonasClosed={closed[0]['n'] if closed else 0}"
    audit(store, actor, CONSENT_CHANGED, customer_ref(customer_id, subject_key), detail)
    return Consent(customerId=customer_id, purpose=purpose, granted=bool(granted), ts=at, source=source, actor=actor)


def consents(store: GraphStore, customer_id: str) -> list[Consent]:
    """Every consent decision of a customer, oldest first."""
    rows = store.read(
        f"MATCH (c:{C} {{id: $id}})-[:{Rel.GAVE}]->(k:{CNS}) "
        "RETURN k.purpose AS purpose, k.granted AS granted, k.ts AS ts, k.source AS source, k.actor AS actor "
        "ORDER BY k.ts, k.purpose", {"id": customer_id}, name="consents")
    return [Consent(customerId=customer_id, purpose=r["purpose"], granted=bool(r["granted"]), ts=r["ts"],
                    source=r["source"], actor=r["actor"]) for r in rows]


def latest_consents(store: GraphStore, customer_ids: Sequence[str], at: int | None = None
                    ) -> dict[str, dict[str, bool]]:
    """{customer id: {purpose: granted}} from each purpose's latest decision (as of `at`, epoch ms, when given), for a
    batch of customers at once."""
    found: dict[str, dict[str, bool]] = {cid: {} for cid in customer_ids}
    for r in store.read(_LATEST_CONSENTS, {"ids": list(dict.fromkeys(customer_ids)), "at": at},
                        name="latest-consents"):
        found[r["id"]][r["purpose"]] = bool(r["granted"])
    return found


def refresh_refused(store: GraphStore, customer_ids: Sequence[str]) -> None:
    """Rewrite `Customer.refused` of these customers from their consent history (for writers of Consent nodes that
    cannot do it in their own query, e.g. after moving consents between customers)."""
    for batch in batched(sorted(set(customer_ids)), _BATCH):
        store.write(f"UNWIND $ids AS cid MATCH (c:{C} {{id: cid}}) {REFRESH_REFUSED} RETURN count(*) AS n",
                    {"ids": batch}, name="refresh-refused")


def refused(store: GraphStore, customer_id: str, purpose: str, at: int | None = None) -> bool:
    """True when the customer's latest decision for `purpose` (as of `at`) refuses it (no decision at all is not a
    refusal)."""
    return latest_consents(store, [customer_id], at)[customer_id].get(purpose) is False


# -- right of access -------------------------------------------------------------------------------------------
def export_customer(store: GraphStore, customer_id: str, *, actor: str, subject_key: bytes) -> dict[str, Any]:
    """Everything the twin holds about one person, as JSON-ready data; {} when it holds nothing. Audited."""
    ref = customer_ref(customer_id, subject_key)
    found = store.read(f"MATCH (c:{C} {{id: $id}}) RETURN properties(c) AS c", {"id": customer_id}, name="export")
    if not found:
        audit(store, actor, EXPORTED, ref, "found=false")
        return {}
    params = {"id": customer_id}
    props: dict[str, Any] = found[0]["c"]
    interactions = [r["i"] for r in store.read(
        f"MATCH (:{C} {{id: $id}})-[:{Rel.PERFORMED}]->(i:{INT}) RETURN properties(i) AS i ORDER BY i.ts, i.id",
        params, name="export")]
    for interaction in interactions:
        _parse_json_field(interaction, "attributes")
    journeys = store.read(
        f"MATCH (:{C} {{id: $id}})-[:{Rel.TOOK}]->(j:{JRN}) OPTIONAL MATCH (j)-[r:{Rel.INCLUDES}]->(i:{INT}) "
        "WITH j, r, i ORDER BY r.seq "
        "RETURN properties(j) AS journey, collect(i.id) AS interactions ORDER BY journey.start_ts, journey.id",
        params, name="export")
    personas = store.read(
        f"MATCH (:{C} {{id: $id}})-[s:{Rel.SHOWS}]->(p:{Label.PERSONA}) "
        "RETURN p.code AS persona, p.name AS name, s.weight AS weight, s.since AS since, s.until AS until, "
        "s.source AS source ORDER BY coalesce(s.since, 0), p.code", params, name="export")
    identities = store.read(
        f"MATCH (n:{IDN})-[:{Rel.IDENTIFIES}]->(:{C} {{id: $id}}) RETURN n.kind AS kind, n.hash AS hash "
        "ORDER BY kind, hash", params, name="export")
    switches = store.read(
        f"MATCH (:{C} {{id: $id}})-[s:{Rel.SWITCHED_TO}]->(k:{Label.COMPETITOR}) "
        "RETURN k.code AS competitor, s.ts AS ts, s.event_id AS eventId ORDER BY s.ts", params, name="export")
    embedded = store.read(
        f"MATCH (:{C} {{id: $id}})-[:{Rel.PERFORMED}]->(i:{INT})<-[:{Rel.EMBEDS}]-(e:{EMB}) "
        "RETURN e.hash AS hash, e.model AS model, i.id AS interactionId, i.text AS text ORDER BY i.ts, i.id",
        params, name="export")
    history = consents(store, customer_id)
    trail = audit_log(store, limit=10_000, subject=ref)
    profile = {k: v for k, v in props.items() if not k.startswith(PII_PREFIX)}
    _parse_json_field(profile, "attributes")
    export: dict[str, Any] = {
        "customerId": customer_id,
        "exportedAt": _now_ms(),
        "profile": profile,
        "pii": {k.removeprefix(PII_PREFIX): v for k, v in props.items() if k.startswith(PII_PREFIX)},
        "identities": identities,
        "personas": personas,
        "interactions": interactions,
        "journeys": [{**r["journey"], "interactions": r["interactions"]} for r in journeys],
        "switches": switches,
        "consents": history,
        "derived": _derived_scores(props, interactions, personas),
        "embeddings": embedded,
        "auditTrail": trail,
    }
    audit(store, actor, EXPORTED, ref,
          f"found=true interactions={len(interactions)} journeys={len(journeys)} consents={len(history)}")
    return export


def _derived_scores(profile: Mapping[str, Any], interactions: Sequence[Mapping[str, Any]],
                    personas: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the twin infers about the person, beside what it was told."""
    def mean(field: str) -> float | None:
        values = [float(i[field]) for i in interactions if isinstance(i.get(field), int | float)]
        return round(sum(values) / len(values), 4) if values else None

    frictions: dict[str, int] = {}
    for i in interactions:
        for code in i.get("frictions") or []:
            frictions[code] = frictions.get(code, 0) + 1
    return {
        "relationshipStage": profile.get("relationship_stage"),
        "modelPersonas": [p for p in personas if str(p.get("source") or "").startswith("model:")],
        "averageCsat": mean("csat"), "averageCes": mean("ces"), "averageNps": mean("nps"),
        "averageSentiment": mean("sentiment"),
        "frictionsHit": frictions,
    }


# -- right to erasure ------------------------------------------------------------------------------------------
def erasure_targets(store: GraphStore, customer_id: str) -> ErasureTargets:
    """The customer (and customers merged into it), their events, journeys, consents, identities and PII values."""
    ids: set[str] = set()
    pii: set[str] = set()
    frontier = [customer_id]
    while frontier:  # the customer itself, then whoever was merged into it, transitively
        rows = store.read(
            f"UNWIND $ids AS cid MATCH (c:{C}) WHERE c.id = cid OR c.merged_into = cid RETURN properties(c) AS c",
            {"ids": frontier}, name="erasure-targets")
        found = {r["c"]["id"] for r in rows} - ids
        for r in rows:
            pii.update(str(v) for k, v in r["c"].items() if k.startswith(PII_PREFIX) and v not in (None, ""))
        ids |= found
        frontier = sorted(found)
    params = {"ids": sorted(ids | {customer_id})}
    return ErasureTargets(
        customer_id=customer_id,
        customer_ids=frozenset(ids),
        event_ids=_ids(store, f"MATCH (c:{C})-[:{Rel.PERFORMED}]->(n:{INT}) WHERE c.id IN $ids RETURN n.id AS id "
                              f"UNION MATCH (n:{INT}) WHERE n.customer_id IN $ids RETURN n.id AS id", params),
        journey_ids=_ids(store, f"MATCH (c:{C})-[:{Rel.TOOK}]->(n:{JRN}) WHERE c.id IN $ids RETURN n.id AS id "
                                f"UNION MATCH (n:{JRN}) WHERE n.customer_id IN $ids RETURN n.id AS id", params),
        consent_ids=_ids(store, f"MATCH (c:{C})-[:{Rel.GAVE}]->(n:{CNS}) WHERE c.id IN $ids RETURN n.id AS id "
                                f"UNION MATCH (n:{CNS}) WHERE n.customer_id IN $ids RETURN n.id AS id", params),
        identity_keys=_ids(store, f"MATCH (n:{IDN})-[:{Rel.IDENTIFIES}]->(c:{C}) WHERE c.id IN $ids "
                                  "RETURN DISTINCT n.key AS id", params),
        pii_values=frozenset(pii),
    )


def erase_customer(store: GraphStore, customer_id: str, mode: str = "ERASE", *, actor: str, subject_key: bytes,
                   outside: OutsideScrub | None = None, suppress_as: str | None = None) -> ErasureReport:
    """Put the customer's ids and identities on the suppression list (under `suppress_as`, default the customer's own
    `customer_ref`), erase (or anonymize) the customer in the graph, run `outside` to scrub copies kept elsewhere,
    audit it, and make it durable before answering. Idempotent: erasing an id the twin no longer holds reports zero
    changes."""
    from graph.suppression import suppress  # here: graph.suppression names people with this module's customer_ref

    if mode not in ERASURE_MODES:
        raise InputError(f"Erasure mode {mode!r} is not one of {', '.join(ERASURE_MODES)}.")
    targets = erasure_targets(store, customer_id)
    # listed first, so a writer that checks the list from now on drops what would bring her back
    suppress(store, suppress_as or customer_ref(customer_id, subject_key), targets.customer_ids | {customer_id},
             targets.identity_keys, subject_key)
    elsewhere = dict(outside(targets)) if outside else {}
    if mode == "ERASE":
        deleted, scrubbed = _erase(store, targets)
    else:
        deleted, scrubbed = _anonymize(store, targets)
    if outside:  # a second pass catches copies that arrived while the graph was being erased
        for name, count in outside(targets).items():
            elsewhere[name] = elsewhere.get(name, 0) + count
    report = ErasureReport(customerId=customer_id, mode=mode, nodesDeleted=deleted, propertiesScrubbed=scrubbed,
                           elsewhere=elsewhere)
    detail = " ".join([f"mode={mode}", f"found={str(targets.found).lower()}", f"nodesDeleted={deleted}",
                       f"propertiesScrubbed={scrubbed}", *(f"{k}={v}" for k, v in sorted(elsewhere.items()))])
    audit(store, actor, ERASED if mode == "ERASE" else ANONYMIZED, customer_ref(customer_id, subject_key), detail)
    make_durable(store)
    if targets.found:  # the writes that once carried her data (old queries, stream entries) leave the disk too
        store.compact()
    return report


def _erase(store: GraphStore, t: ErasureTargets) -> tuple[int, int]:
    """Delete leaf data first and the customer last, so an interrupted run finds its way back. (deleted, scrubbed)"""
    events, ids = sorted(t.event_ids), sorted(t.customer_ids)
    deleted = _exclusive_embeddings(store, events, delete=True)
    deleted += _delete_by_key(store, INT, "id", events)
    deleted += _delete_by_key(store, JRN, "id", sorted(t.journey_ids))
    deleted += _delete_by_key(store, CNS, "id", sorted(t.consent_ids))
    deleted += _exclusive_identities(store, sorted(t.identity_keys), ids)
    deleted += _delete_by_key(store, C, "id", ids)
    return deleted, 0


def _anonymize(store: GraphStore, t: ErasureTargets) -> tuple[int, int]:
    """Keep what aggregates need under a random pseudonym; remove PII, identities, texts and their embeddings."""
    if not t.found:
        return 0, 0
    pseudonym = f"pseudo-{secrets.token_hex(8)}"
    events = sorted(t.event_ids)
    deleted = _exclusive_embeddings(store, events, delete=True)
    _exclusive_embeddings(store, events, delete=False)  # shared embeddings stay, but no longer point at her
    deleted += _exclusive_identities(store, sorted(t.identity_keys), sorted(t.customer_ids))
    interactions = sorted(
        (r["i"] for r in store.read(f"UNWIND $ids AS eid MATCH (i:{INT} {{id: eid}}) RETURN properties(i) AS i",
                                    {"ids": events}, name="anonymize")),
        key=lambda i: (i.get("ts") or 0, i["id"]))
    # fresh random event ids: the source systems' event ids would lead straight back to the person
    new_event = {i["id"]: f"pseudo-{secrets.token_hex(8)}" for i in interactions}
    first_event: dict[str, str] = {}
    for i in interactions:  # a journey's id is its customer's id + ':' + the id of its earliest event
        if i.get("journey_id") is not None:
            first_event.setdefault(i["journey_id"], new_event[i["id"]])
    new_journey = {old: f"{pseudonym}:{first}" for old, first in first_event.items()}
    for j in sorted(t.journey_ids - new_journey.keys()):  # an empty journey: nothing to name it after
        new_journey[j] = f"{pseudonym}:pseudo-{secrets.token_hex(8)}"
    dropped_on_interaction = ("text", "attributes", "session_id")
    scrubbed = sum(1 + sum(1 for p in dropped_on_interaction if i.get(p) is not None)
                   + (i.get("customer_id") is not None) + (i.get("journey_id") is not None) for i in interactions)
    _write_rows(store, f"UNWIND $rows AS row MATCH (i:{INT} {{id: row.old}}) "
                       "SET i.id = row.new, i.customer_id = $pseudonym, i.journey_id = row.journey, "
                       "i.text = null, i.attributes = null, i.session_id = null",
                [{"old": i["id"], "new": new_event[i["id"]], "journey": new_journey.get(i.get("journey_id") or "")}
                 for i in interactions], pseudonym)
    _write_rows(store, f"UNWIND $rows AS row MATCH (c:{C})-[s:{Rel.SWITCHED_TO} {{event_id: row.old}}]->() "
                       "WHERE c.id IN $ids SET s.event_id = row.new",
                [{"old": old, "new": new} for old, new in new_event.items()], pseudonym, sorted(t.customer_ids))
    journeys = _write_rows(store, f"UNWIND $rows AS row MATCH (j:{JRN} {{id: row.old}}) "
                                  "SET j.id = row.new, j.customer_id = $pseudonym, j.session_id = null",
                           [{"old": old, "new": new} for old, new in new_journey.items()], pseudonym)
    scrubbed += 2 * journeys
    consent_rows = store.read(f"UNWIND $ids AS kid MATCH (k:{CNS} {{id: kid}}) RETURN k.id AS id, "
                              "k.purpose AS purpose, k.ts AS ts, k.actor AS actor",
                              {"ids": sorted(t.consent_ids)}, name="anonymize")
    _write_rows(store, f"UNWIND $rows AS row MATCH (k:{CNS} {{id: row.old}}) "
                       "SET k.id = row.new, k.customer_id = $pseudonym, k.actor = null",
                [{"old": k["id"], "new": consent_id(pseudonym, k["purpose"], k["ts"])} for k in consent_rows],
                pseudonym)
    scrubbed += sum(2 + (k["actor"] is not None) for k in consent_rows)
    # customers merged into this one are redirect stubs: they go; the survivor keeps only non-identifying facts
    deleted += _delete_by_key(store, C, "id", sorted(t.customer_ids - {t.customer_id}))
    found = store.read(f"MATCH (c:{C} {{id: $id}}) RETURN properties(c) AS c", {"id": t.customer_id},
                       name="anonymize")
    if not found:  # only stray interactions were left: they now belong to the pseudonym alone
        return deleted, scrubbed
    props = found[0]["c"]
    # `refused` stays: the consents stay under the pseudonym, and an analytics refusal must keep counting
    kept = {k: props[k] for k in ("relationship_stage", "created_ts", "updated_ts", "refused")
            if props.get(k) is not None}
    scrubbed += 1 + sum(1 for k in props if k not in kept and k not in ("id", "anonymized"))
    store.write(f"MATCH (c:{C} {{id: $id}}) SET c = $props {REFRESH_REFUSED}",
                {"id": t.customer_id, "props": {**kept, "id": pseudonym, "anonymized": True}}, name="anonymize")
    return deleted, scrubbed


def _exclusive_embeddings(store: GraphStore, events: list[str], *, delete: bool) -> int:
    """Delete embeddings that embed only these interactions (delete=True), or unlink the rest from them."""
    total = 0
    for batch in batched(events, _BATCH):
        if delete:
            rows = store.write(
                f"UNWIND $events AS eid MATCH (:{INT} {{id: eid}})<-[:{Rel.EMBEDS}]-(e:{EMB}) WITH DISTINCT e "
                f"OPTIONAL MATCH (e)-[:{Rel.EMBEDS}]->(other) WHERE NOT (other:{INT} AND other.id IN $all) "
                "WITH e, count(other) AS others WHERE others = 0 DETACH DELETE e RETURN count(*) AS n",
                {"events": batch, "all": events}, name="erase-embeddings")
        else:
            rows = store.write(
                f"UNWIND $events AS eid MATCH (:{INT} {{id: eid}})<-[r:{Rel.EMBEDS}]-(:{EMB}) DELETE r "
                "RETURN count(*) AS n", {"events": batch}, name="erase-embeddings")
        total += int(rows[0]["n"]) if rows else 0
    return total


def _exclusive_identities(store: GraphStore, keys: list[str], customer_ids: list[str]) -> int:
    """Delete identities that identify only these customers; unlink shared ones from them."""
    if not keys:
        return 0
    rows = store.write(
        f"UNWIND $keys AS key MATCH (n:{IDN} {{key: key}}) "
        f"OPTIONAL MATCH (n)-[:{Rel.IDENTIFIES}]->(o:{C}) WHERE NOT o.id IN $ids "
        "WITH n, count(o) AS others WHERE others = 0 DETACH DELETE n RETURN count(*) AS n",
        {"keys": keys, "ids": customer_ids}, name="erase-identities")
    store.write(f"UNWIND $keys AS key MATCH (:{IDN} {{key: key}})-[r:{Rel.IDENTIFIES}]->(c:{C}) "
                "WHERE c.id IN $ids DELETE r", {"keys": keys, "ids": customer_ids}, name="erase-identities")
    return int(rows[0]["n"]) if rows else 0


def _delete_by_key(store: GraphStore, label: Label, key: str, values: list[str]) -> int:
    total = 0
    for batch in batched(values, _BATCH):
        rows = store.write(f"UNWIND $values AS v MATCH (n:{label} {{{key}: v}}) DETACH DELETE n RETURN count(*) AS n",
                           {"values": batch}, name="erase")
        total += int(rows[0]["n"]) if rows else 0
    return total


def _write_rows(store: GraphStore, query: str, rows: list[dict[str, Any]], pseudonym: str,
                customer_ids: list[str] | None = None) -> int:
    for batch in batched(rows, _BATCH):
        store.write(query, {"rows": batch, "pseudonym": pseudonym, "ids": customer_ids or []}, name="anonymize")
    return len(rows)


def make_durable(store: GraphStore) -> None:
    """Return only once every write so far is on disk, so an erasure survives a crash right after it answers.

    FalkorDB (appendfsync everysec) is asked with WAITAOF to fsync its append-only file; a Neo4j commit is already
    durable when it returns."""
    from graph.falkordb_store import FalkorDBStore

    if not isinstance(store, FalkorDBStore):
        return
    import redis

    try:
        local, _ = store.redis().execute_command("WAITAOF", 1, 0, DURABILITY_TIMEOUT_MS)  # type: ignore[no-untyped-call]
    except redis.ResponseError as e:
        if "appendonly" in str(e).lower() or "unknown command" in str(e).lower():
            log.warning("The FalkorDB server at %s cannot confirm an fsync (no append-only file, or a Redis older "
                        "than 7.2); the erasure is durable once the server next saves its data.", store.url)
            return
        raise StoreError(f"FalkorDB could not confirm the erasure is on disk: {e}") from e
    if int(local) < 1:
        raise StoreError(f"FalkorDB did not fsync its append-only file within {DURABILITY_TIMEOUT_MS} ms; the "
                         "erasure is written but may not survive a crash yet: run it again to confirm.")


# -- helpers ---------------------------------------------------------------------------------------------------
def _ids(store: GraphStore, query: str, params: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(r["id"]) for r in store.read(query, params, name="erasure-targets") if r["id"] is not None)


def _parse_json_field(row: dict[str, Any], field: str) -> None:
    value = row.get(field)
    if isinstance(value, str):
        try:
            row[field] = json.loads(value)
        except json.JSONDecodeError:
            pass  # not JSON: keep the text as it is


def _now_ms() -> int:
    return time.time_ns() // 1_000_000

