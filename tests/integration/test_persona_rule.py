"""One persona rule everywhere (DESIGN.md): a customer shows persona P at time t when a SHOWS assignment to P has a
weight above 0 (a null weight does not count), since <= t (or no since) and t < until (or no until). Its Cypher text
is one fragment (cypher/fragments/shows-persona-at.cypher), its Python twin graph.persona_rule.shows_at."""

from __future__ import annotations

import re

import cypher
from graph import reads
from graph.persona_rule import shows_at
from graph.store import GraphStore

T0 = 1_714_557_600_000  # 2024-05-01T10:00:00Z


def assigned(store: GraphStore, shows: list[tuple[str, float | None]]) -> None:
    """Customers each showing persona 'p' since T0 with the given weight (None: the property is absent)."""
    store.write("CREATE (:Persona {code: 'p', name: 'P'})")
    for customer, weight in shows:
        store.write("MATCH (p:Persona {code: 'p'}) CREATE (:Customer {id: $id})-[:SHOWS {since: $since, source: "
                    "'declared'}]->(p)", {"id": customer, "since": T0})
        if weight is not None:
            store.write("MATCH (:Customer {id: $id})-[s:SHOWS]->() SET s.weight = $weight",
                        {"id": customer, "weight": weight})


def test_a_null_weight_does_not_count_for_any_reader(store: GraphStore) -> None:
    """Failed before: the API's batched reads counted a SHOWS without weight as weight 1 (`coalesce(s.weight, 1.0)`),
    so personas { customers } and customers(persona:) said 2 where the analysts' queries said 1."""
    assigned(store, [("weightless", None), ("counted", 0.5), ("zero", 0.0)])
    now = T0 + 1
    assert reads.persona_customer_counts(store, ["p"], now) == {"p": 1}
    assert reads.customers_page(store, persona="p", at=now).total == 1
    assert list(reads.current_personas(store, ["weightless", "counted", "zero"], now)) == ["counted"]
    assert [r["weight"] for r in reads.persona_history(store, ["weightless"])["weightless"]] == [0.0]
    assert [r["customers"] for r in store.run("persona-summaries", {"at": now})] == [1]
    assert [r["customer"] for r in store.run("customers-of-persona", {"persona": "p", "at": now})] == ["counted"]


def test_the_cypher_rule_and_the_python_rule_agree(store: GraphStore) -> None:
    cases = [(weight, since, until, t) for weight in (None, 0.0, 0.3, 1.0) for since in (None, 10, 20)
             for until in (None, 20, 30) for t in (5, 10, 19, 20, 29, 30)]
    rule = cypher.fragment("shows-persona-at").expand({"s": "s", "t": "s.t"}, "test")
    query = ("UNWIND $cases AS s RETURN s.i AS i, CASE WHEN " + " ".join(text for _, text in rule)
             + " THEN true ELSE false END AS holds ORDER BY i")
    rows = store.read(query, {"cases": [{"i": i, "weight": w, "since": a, "until": b, "t": t}
                                         for i, (w, a, b, t) in enumerate(cases)]})
    assert [r["holds"] for r in rows] == [shows_at(*case) for case in cases]
    assert sum(r["holds"] for r in rows) > 20  # the table holds both answers


def test_every_query_states_the_rule_through_the_fragment_or_a_checked_copy() -> None:
    """A query may not write the rule by hand: internal ones include the fragment, the analysts' ones mark their
    copies (`// rule: shows-persona-at(...)`), which the loader checks word for word."""
    by_hand = re.compile(r"\.weight\s*>\s*0|coalesce\(\s*\w+\.weight[^)]*\)\s*>")
    for query in cypher.load_all(internal=True):
        for path in [query.path, *query.path.parent.glob(f"{query.name}.*.cypher")]:
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                code = line.split("//", 1)[0]
                if by_hand.search(code):
                    assert "// rule: shows-persona-at(" in line, f"{path}:{n} writes the persona rule by hand"
