"""Consent per purpose with history, the right of access (export) and the audit trail."""

from __future__ import annotations

import json

import pytest

from graph.errors import InputError
from graph.privacy import (
    audit,
    audit_log,
    consents,
    customer_ref,
    export_customer,
    latest_consents,
    refused,
    set_consent,
)
from graph.store import GraphStore
from graph.writer_lock import WriterLock

KEY = b"test-identity-key"
T0 = 1_714_557_600_000  # 2024-05-01T10:00:00Z
UNLOCKED = WriterLock(None, "tests")  # one writer at a time in these tests


def test_the_latest_decision_per_purpose_counts_and_history_is_kept(sydney_twin: GraphStore) -> None:
    assert refused(sydney_twin, "sydney", "marketing")  # from the customer file
    assert not refused(sydney_twin, "sydney", "profiling")  # no decision is not a refusal

    set_consent(sydney_twin, "sydney", "marketing", True, actor="test:agent", source="call", subject_key=KEY,
                ts=T0, lock=UNLOCKED)
    set_consent(sydney_twin, "sydney", "analytics", False, actor="test:agent", source="web", subject_key=KEY,
                ts=T0 + 1, lock=UNLOCKED)

    assert not refused(sydney_twin, "sydney", "marketing")
    assert refused(sydney_twin, "sydney", "analytics")
    history = consents(sydney_twin, "sydney")
    assert [(c["purpose"], c["granted"]) for c in history] == [
        ("marketing", False), ("personalization", True), ("marketing", True), ("analytics", False)]
    assert history[2] == {"customerId": "sydney", "purpose": "marketing", "granted": True, "ts": T0,
                          "source": "call", "actor": "test:agent"}
    assert latest_consents(sydney_twin, ["sydney", "alex", "nobody"]) == {
        "sydney": {"marketing": True, "personalization": True, "analytics": False}, "alex": {}, "nobody": {}}


def test_an_earlier_decision_recorded_late_does_not_override_the_latest(sydney_twin: GraphStore) -> None:
    set_consent(sydney_twin, "alex", "marketing", False, actor="t", source="web", subject_key=KEY, ts=T0, lock=UNLOCKED)
    set_consent(sydney_twin, "alex", "marketing", True, actor="t", source="paper form", subject_key=KEY,
                ts=T0 - 1000, lock=UNLOCKED)
    assert refused(sydney_twin, "alex", "marketing")


def test_consent_refuses_unknown_customers_and_malformed_purposes(sydney_twin: GraphStore) -> None:
    with pytest.raises(InputError, match="No customer 'nobody'"):
        set_consent(sydney_twin, "nobody", "marketing", True, actor="t", source="web", subject_key=KEY, lock=UNLOCKED)
    with pytest.raises(InputError, match="'Marketing!' is not a lowercase code"):
        set_consent(sydney_twin, "sydney", "Marketing!", True, actor="t", source="web", subject_key=KEY, lock=UNLOCKED)


def test_refusing_profiling_closes_model_personas_but_not_declared_ones(sydney_twin: GraphStore) -> None:
    sydney_twin.write("MATCH (c:Customer {id: 'sydney'}), (p:Persona {code: 'loyal-pro'}) "
                      "CREATE (c)-[:SHOWS {weight: 0.6, since: $since, source: 'model:behaviour'}]->(p)",
                      {"since": T0 - 86_400_000})

    set_consent(sydney_twin, "sydney", "profiling", False, actor="t", source="web", subject_key=KEY,
                ts=T0, lock=UNLOCKED)

    rows = sydney_twin.read("MATCH (:Customer {id: 'sydney'})-[s:SHOWS]->(p:Persona) "
                            "RETURN p.code AS p, s.source AS source, s.until AS until ORDER BY source")
    assert rows == [{"p": "trend-seeker", "source": "declared", "until": None},
                    {"p": "loyal-pro", "source": "model:behaviour", "until": T0},
                    {"p": "loyal-pro", "source": "rule:repeat-salon-visits", "until": None}]


def test_export_holds_everything_about_her_and_nothing_about_alex(sydney_twin: GraphStore) -> None:
    sydney_twin.write("MATCH (i:Interaction {id: 'e4'}) CREATE (:Embedding {hash: 'h4', model: 'm'})-[:EMBEDS]->(i)")

    export = export_customer(sydney_twin, "sydney", actor="test:dpo", subject_key=KEY)

    assert export["pii"] == {"name": "Sydney", "email": "sydney@example.com"}
    assert export["profile"]["attributes"] == {"age": 19, "occupation": "college student", "generation": "Z"}
    assert [i["id"] for i in export["interactions"]] == ["e1", "e2", "e3", "e4", "e5"]
    assert export["interactions"][4]["text"] == "I waited 40 minutes and still have no appointment to fix my hair."
    assert [(j["id"], j["interactions"]) for j in export["journeys"]] == [
        ("sydney:e1", ["e1", "e2", "e3", "e4", "e5"])]
    assert [(p["persona"], p["weight"], p["source"]) for p in export["personas"]] == [
        ("trend-seeker", 0.9, "declared"), ("loyal-pro", 0.3, "rule:repeat-salon-visits")]
    assert [(c["purpose"], c["granted"]) for c in export["consents"]] == [
        ("marketing", False), ("personalization", True)]
    assert export["derived"]["averageCsat"] == 3.5
    assert export["derived"]["frictionsHit"] == {"cant_find_product": 1, "colour_mismatch": 1}
    assert export["embeddings"] == [{"hash": "h4", "model": "m", "interactionId": "e4",
                                     "text": "The colour did not suit me at all and nobody explained the process."}]
    assert all(set(i) == {"kind", "hash"} for i in export["identities"]) and export["identities"]
    text = json.dumps(export)
    assert "alex" not in text and "GlamCo could see me" not in text


def test_export_and_consent_changes_are_audited_without_personal_data(sydney_twin: GraphStore) -> None:
    set_consent(sydney_twin, "sydney", "analytics", False, actor="test:agent", source="web", subject_key=KEY,
                ts=T0, lock=UNLOCKED)
    export_customer(sydney_twin, "sydney", actor="test:dpo", subject_key=KEY)
    assert export_customer(sydney_twin, "nobody", actor="test:dpo", subject_key=KEY) == {}

    trail = audit_log(sydney_twin)

    assert [(e["actor"], e["action"], e["subject"]) for e in trail] == [
        ("test:agent", "consent", customer_ref("sydney", KEY)),
        ("test:dpo", "export", customer_ref("sydney", KEY)),
        ("test:dpo", "export", customer_ref("nobody", KEY)),
    ]
    assert trail[0]["detail"] == "purpose=analytics granted=false source=web"
    text = json.dumps(trail).lower()
    assert "sydney" not in text and "nobody" not in text
    assert customer_ref("sydney", KEY) != customer_ref("sydney", b"another key")


def test_audit_log_reads_the_latest_entries_in_time_order(store: GraphStore) -> None:
    for n in range(5):
        audit(store, "test", "pii_read", f"customer:{n}", ts=T0 + n)

    assert [e["subject"] for e in audit_log(store, limit=2)] == ["customer:3", "customer:4"]
    assert [e["subject"] for e in audit_log(store, since=T0 + 3)] == ["customer:3", "customer:4"]
    assert [e["subject"] for e in audit_log(store, subject="customer:1")] == ["customer:1"]
    with pytest.raises(InputError, match="needs the actor"):
        audit(store, " ", "export", "customer:1")


ANALYTICS_RULE = """
MATCH (c:Customer)
OPTIONAL MATCH (c)-[:GAVE]->(k:Consent)
WITH c, [k IN collect(k) WHERE k.purpose = 'analytics'] AS decisions
WITH c, reduce(latest = null, k IN decisions |
       CASE WHEN latest IS NULL OR k.ts >= latest.ts THEN k ELSE latest END) AS latest
WHERE latest IS NULL OR latest.granted
RETURN c.id AS id ORDER BY id
"""


def test_the_documented_analytics_rule_counts_a_customer_unless_the_latest_decision_refuses(
        sydney_twin: GraphStore) -> None:
    """The Cypher of docs/privacy.md: no decision counts, a refusal excludes, a later grant brings them back."""
    sydney_twin.write("CREATE (:Customer {id: 'pat'})")
    assert [r["id"] for r in sydney_twin.read(ANALYTICS_RULE)] == ["alex", "pat", "sydney"]

    set_consent(sydney_twin, "sydney", "analytics", False, actor="t", source="web", subject_key=KEY,
                ts=T0, lock=UNLOCKED)
    set_consent(sydney_twin, "alex", "analytics", False, actor="t", source="web", subject_key=KEY, ts=T0, lock=UNLOCKED)
    set_consent(sydney_twin, "alex", "analytics", True, actor="t", source="web", subject_key=KEY,
                ts=T0 + 1, lock=UNLOCKED)

    assert [r["id"] for r in sydney_twin.read(ANALYTICS_RULE)] == ["alex", "pat"]
