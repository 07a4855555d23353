"""Access levels in the Cypher library: no named query returns personal data unless its name ends in `-pii`.

Every query of cypher/ runs on the Sydney example (Sydney given a phone number too), with each parameter it requires
filled with a value that points at her, and its output is searched for her name, email and phone, and Alex's name.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import cypher
from graph.store import GraphStore

PII = ["sydney@example.com", "Sydney", "+61 400 123 456", "+61400123456", "400 123 456", "Alex"]
QUERIES = [n for n in cypher.names() if not n.endswith("-pii")]
SAMPLES: dict[str, Any] = {"string": "sydney", "list": ["sydney", "alex"], "int": 10, "float": 0.5, "bool": True,
                           "datetime": 1_714_557_600_000, "map": {"touchpoint": "colour_appointment"}}
BY_NAME: dict[str, Any] = {"persona": "trend-seeker", "rows": [], "friction": "colour_mismatch",
                           "touchpoint": "colour_appointment", "competitor": "glamco", "stage": "purchase",
                           "steps": [{"touchpoint": "influencer_post"}, {"channel": "salon"}]}


def required_params(name: str) -> dict[str, Any]:
    """A value for every parameter the query requires: her id where an id is asked for."""
    return {p.name: BY_NAME.get(p.name, SAMPLES[p.type]) for p in cypher.load(name).params if p.required}


def with_phone(store: GraphStore) -> GraphStore:
    store.write("MATCH (c:Customer {id: 'sydney'}) SET c.pii_phone = '+61 400 123 456'")
    return store


def test_the_sydney_data_holds_the_pii_searched_for(sydney_twin: GraphStore) -> None:
    text = json.dumps(with_phone(sydney_twin).read("MATCH (c:Customer) RETURN properties(c) AS c"))
    assert [p for p in PII if p in text] == ["sydney@example.com", "Sydney", "+61 400 123 456", "400 123 456", "Alex"]


@pytest.mark.parametrize("name", QUERIES)
def test_named_query_returns_no_personal_data(sydney_twin: GraphStore, name: str) -> None:
    rows = with_phone(sydney_twin).run(name, required_params(name))
    text = json.dumps(rows, default=str, ensure_ascii=False)
    assert [p for p in PII if p in text] == [], f"{name} returned personal data; rename it {name}-pii or drop it"


def test_the_library_has_queries_to_check() -> None:
    assert {"customer-twin", "customer-timeline", "friction-to-competitors"} <= set(QUERIES)
