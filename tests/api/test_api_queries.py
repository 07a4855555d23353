"""Every Query field of the core schema on the Sydney example, and paging both ways."""

from __future__ import annotations

import pytest
from api_client import Api
from journey_writer import write_events

from graph.store import GraphStore

TWIN = """{ customer(id: "sydney") {
  id attributes relationshipStage
  personas { persona { code name customers } weight since until source }
  personaHistory { persona { code } weight }
  journeys(first: 5) { totalCount pageInfo { hasNextPage hasPreviousPage }
    edges { node { id startedAt endedAt size interactions {
      id at type outcome experience csat ces nps
      touchpoint { code name stage channel { code kind } owner { code } } channel { code }
      frictions { code name owner { code } touchpoint { code } } } } } }
  frictions { code } switchedTo { at competitor { code name } } consents { purpose granted at }
} }"""


def test_customer_twin_answers_the_sydney_example(api: Api) -> None:
    c = api.data(TWIN)["customer"]
    assert c["id"] == "sydney" and c["attributes"]["generation"] == "Z"
    assert [(p["persona"]["code"], p["weight"], p["since"]) for p in c["personas"]] == [
        ("trend-seeker", 0.9, "2024-01-01T00:00:00Z"), ("loyal-pro", 0.3, "2024-06-01T00:00:00Z")]
    assert c["personas"][0]["persona"]["customers"] == 2 and c["personas"][0]["source"] == "declared"
    assert [p["persona"]["code"] for p in c["personaHistory"]] == ["trend-seeker", "loyal-pro"]
    journeys = c["journeys"]
    assert journeys["totalCount"] == 1 and not journeys["pageInfo"]["hasNextPage"]
    journey = journeys["edges"][0]["node"]
    assert (journey["id"], journey["startedAt"], journey["endedAt"], journey["size"]) == (
        "sydney:e1", "2024-03-01T18:00:00Z", "2024-03-10T09:00:00Z", 5)
    steps = journey["interactions"]
    assert [i["id"] for i in steps] == ["e1", "e2", "e3", "e4", "e5"]
    e4 = steps[3]
    assert (e4["type"], e4["experience"], e4["csat"]) == ("purchase", "negative", 2.0)
    assert e4["touchpoint"] == {"code": "colour_appointment", "name": "Colour appointment", "stage": "purchase",
                                "channel": {"code": "salon", "kind": "physical"}, "owner": {"code": "salon_ops"}}
    assert e4["frictions"] == [{"code": "colour_mismatch", "name": "Colour result did not suit her",
                                "owner": {"code": "salon_ops"}, "touchpoint": {"code": "colour_appointment"}}]
    assert [f["code"] for f in c["frictions"]] == ["cant_find_product", "colour_mismatch"]
    assert c["switchedTo"] == []
    assert {(k["purpose"], k["granted"]) for k in c["consents"]} == {("personalization", True), ("marketing", False)}
    assert c["relationshipStage"] in ("start", "forward", "backward", "stop")


def test_a_missing_customer_is_null_not_an_error(api: Api) -> None:
    assert api.data('{ customer(id: "nobody") { id } }') == {"customer": None}


def test_personas_at_a_moment_and_the_switch_of_alex(api: Api) -> None:
    c = api.data('{ customer(id: "sydney") { personas(at: "2024-03-01T00:00:00Z") { persona { code } } } '
                 'alex: customer(id: "alex") { switchedTo { at competitor { code name } } } }')
    assert [p["persona"]["code"] for p in c["customer"]["personas"]] == ["trend-seeker"]
    assert c["alex"]["switchedTo"] == [{"at": "2024-03-20T12:00:00Z", "competitor": {"code": "glamco",
                                                                                   "name": "GlamCo"}}]


def test_personas_and_persona(api: Api) -> None:
    d = api.data('{ personas { code name customers goals insights(quadrant: "think") { text } } '
                 'persona(code: "loyal-pro") { code customers } missing: persona(code: "nope") { code } }')
    assert [(p["code"], p["customers"]) for p in d["personas"]] == [("loyal-pro", 1), ("trend-seeker", 2)]
    assert d["personas"][1]["insights"] == [{"text": "Will this colour really suit me?"}]
    assert d["persona"] == {"code": "loyal-pro", "customers": 1} and d["missing"] is None


def test_persona_counts_agree_with_the_analytics(api: Api, sydney: GraphStore) -> None:
    from graph.analytics.personas import persona_summaries

    d = api.data("{ personas { code customers } }")
    assert {p["code"]: p["customers"] for p in d["personas"]} == {
        s["code"]: s["customers"] for s in persona_summaries(sydney)}


def test_friction_to_competitors_long_wait_leads_to_glamco(api: Api) -> None:
    rows = api.data('{ frictionToCompetitors(persona: "trend-seeker") { friction { code name owner { code } } '
                    "exposed switched rate baselineRate lift ciLow ciHigh competitors { competitor { code } count } "
                    "} }")["frictionToCompetitors"]
    assert [r["friction"]["code"] for r in rows] == ["long_wait", "cant_find_product", "colour_mismatch"]
    top = rows[0]
    assert (top["exposed"], top["switched"], top["rate"], top["baselineRate"]) == (1, 1, 1.0, 0.0)
    assert top["friction"]["owner"] == {"code": "salon_ops"}
    assert top["competitors"] == [{"competitor": {"code": "glamco"}, "count": 1}]
    assert round(top["ciLow"], 4) == 0.2065 and top["ciHigh"] == 1.0
    assert api.data('{ frictionToCompetitors(persona: "trend-seeker", until: "2024-03-02T00:00:00Z") '
                    "{ friction { code } } }")["frictionToCompetitors"] == [{"friction": {"code": "cant_find_product"}}]


def test_affected_customers_names_who_is_behind_a_friction_row(api: Api) -> None:
    rows = api.data('{ affectedCustomers(persona: "trend-seeker", friction: "long_wait") '
                    "{ customerId firstHit switchedAt competitor { code name } } }")["affectedCustomers"]
    assert rows == [{"customerId": "alex", "firstHit": "2024-03-03T12:00:00Z", "switchedAt": "2024-03-20T12:00:00Z",
                     "competitor": {"code": "glamco", "name": "GlamCo"}}]
    stayed = api.data('{ affectedCustomers(persona: "trend-seeker", friction: "colour_mismatch") '
                      "{ customerId switchedAt competitor { code } } }")["affectedCustomers"]
    assert stayed == [{"customerId": "sydney", "switchedAt": None, "competitor": None}]
    assert api.data('{ affectedCustomers(persona: "trend-seeker", friction: "long_wait", windowDays: 10) '
                    "{ customerId switchedAt } }")["affectedCustomers"] == [{"customerId": "alex", "switchedAt": None}]


def test_journey_map_places_touchpoints_in_stages(api: Api) -> None:
    m = api.data('{ journeyMap(persona: "trend-seeker") { persona { code } stages { stage touchpoints { '
                 "touchpoint { code } interactions customers avgCsat negativeShare dropOff "
                 "topFrictions { friction { code } count } } } } }")["journeyMap"]
    assert m["persona"] == {"code": "trend-seeker"}
    by_code = {t["touchpoint"]["code"]: (s["stage"], t) for s in m["stages"] for t in s["touchpoints"]}
    stage, salon = by_code["colour_appointment"]
    assert stage == "purchase" and (salon["interactions"], salon["customers"], salon["avgCsat"]) == (2, 2, 2.5)
    assert {f["friction"]["code"] for f in salon["topFrictions"]} == {"colour_mismatch", "long_wait"}
    assert by_code["influencer_post"][0] == "awareness"


def test_stakeholder_map(api: Api) -> None:
    rows = api.data("{ stakeholderMap { stakeholder { code name } support influence quadrant "
                    "touchpoints { code } frictions { code } switches } }")["stakeholderMap"]
    by_code = {r["stakeholder"]["code"]: r for r in rows}
    assert {c: r["quadrant"] for c, r in by_code.items()} == {
        "marketing": "champion", "digital": "supporter", "salon_ops": "gatekeeper", "support": "bystander"}
    assert by_code["salon_ops"]["switches"] == 1
    assert [t["code"] for t in by_code["salon_ops"]["touchpoints"]] == ["colour_appointment"]


def test_next_steps_and_next_best_actions(api: Api) -> None:
    d = api.data('{ nextSteps(customerId: "sydney", k: 2) { step probability touchpoint { code } } '
                 'nextBestActions(customerId: "sydney") { action { code name kind } reason } }')
    assert len(d["nextSteps"]) <= 2 and all(0 <= s["probability"] <= 1 for s in d["nextSteps"])
    assert d["nextBestActions"][0]["action"]["code"] == "stylist_consult"  # the colour result was negative
    assert "negative" in d["nextBestActions"][0]["reason"]


def test_similar_feedback_without_embeddings_is_empty(api: Api) -> None:
    assert api.data('{ similarFeedback(text: "waited too long") { interactionId } }') == {"similarFeedback": []}


def test_journey_paths_and_stats(api: Api) -> None:
    d = api.data('{ journeyPaths(persona: "trend-seeker") { variants { touchpointCodes journeys share } '
                 "steps { source { code } target { code } count } } stats { store totalNodes nodes { kind count } } }")
    variants = {tuple(v["touchpointCodes"]): v["journeys"] for v in d["journeyPaths"]["variants"]}
    assert variants == {("colour_appointment", "product_page"): 1,
                        ("influencer_post", "product_page", "ai_try_on", "colour_appointment", "aftercare"): 1}
    assert {n["kind"]: n["count"] for n in d["stats"]["nodes"]}["Interaction"] == 7


def _many_journeys(store: GraphStore, n: int) -> None:
    """A customer `pat` with n journeys, one a day 40 days apart (the gap splits them)."""
    store.write("CREATE (:Customer {id: 'pat'})")
    day = 24 * 3600 * 1000
    write_events(store, [{"event_id": f"p{i:02d}", "customer_id": "pat", "ts": 1_700_000_000_000 + i * 40 * day,
                          "channel": "web", "touchpoint": "checkout", "type": "view"} for i in range(n)])


PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $newest: Boolean! = false) {
  customer(id: "pat") { journeys(first: $first, after: $after, last: $last, before: $before, newestFirst: $newest) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""


def test_journeys_page_forward_and_backward(api: Api, sydney: GraphStore) -> None:
    _many_journeys(sydney, 5)
    page1 = api.data(PAGE, first=2)["customer"]["journeys"]
    assert page1["totalCount"] == 5
    assert [e["node"]["id"] for e in page1["edges"]] == ["pat:p00", "pat:p01"]
    assert page1["pageInfo"]["hasNextPage"] and not page1["pageInfo"]["hasPreviousPage"]
    page2 = api.data(PAGE, first=2, after=page1["pageInfo"]["endCursor"])["customer"]["journeys"]
    assert [e["node"]["id"] for e in page2["edges"]] == ["pat:p02", "pat:p03"]
    assert page2["pageInfo"]["hasNextPage"] and page2["pageInfo"]["hasPreviousPage"]
    page3 = api.data(PAGE, first=2, after=page2["pageInfo"]["endCursor"])["customer"]["journeys"]
    assert [e["node"]["id"] for e in page3["edges"]] == ["pat:p04"] and not page3["pageInfo"]["hasNextPage"]
    back = api.data(PAGE, last=2, before=page3["pageInfo"]["startCursor"])["customer"]["journeys"]
    assert [e["node"]["id"] for e in back["edges"]] == ["pat:p02", "pat:p03"]
    assert back["pageInfo"]["hasPreviousPage"] and back["pageInfo"]["hasNextPage"]
    last = api.data(PAGE, last=1)["customer"]["journeys"]
    assert [e["node"]["id"] for e in last["edges"]] == ["pat:p04"]
    newest = api.data(PAGE, first=2, newest=True)["customer"]["journeys"]
    assert [e["node"]["id"] for e in newest["edges"]] == ["pat:p04", "pat:p03"]
    older = api.data(PAGE, first=5, newest=True, after=newest["pageInfo"]["endCursor"])["customer"]["journeys"]
    assert [e["node"]["id"] for e in older["edges"]] == ["pat:p02", "pat:p01", "pat:p00"]


def test_customers_page_forward_and_backward(api: Api) -> None:
    q = ("query($first: Int, $after: String, $last: Int, $before: String, $persona: String) { customers(first: "
         "$first, after: $after, last: $last, before: $before, persona: $persona) { totalCount edges { node { id } } "
         "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }")
    first = api.data(q, first=1)["customers"]
    assert first["totalCount"] == 2 and [e["node"]["id"] for e in first["edges"]] == ["alex"]
    second = api.data(q, first=1, after=first["pageInfo"]["endCursor"])["customers"]
    assert [e["node"]["id"] for e in second["edges"]] == ["sydney"] and not second["pageInfo"]["hasNextPage"]
    back = api.data(q, last=1, before=second["pageInfo"]["startCursor"])["customers"]
    assert [e["node"]["id"] for e in back["edges"]] == ["alex"] and back["pageInfo"]["hasNextPage"]
    loyal = api.data(q, persona="loyal-pro")["customers"]
    assert loyal["totalCount"] == 1 and loyal["edges"][0]["node"]["id"] == "sydney"


@pytest.mark.parametrize("query", [
    '{ frictionToCompetitors(persona: "trend-seekr") { exposed } }',
    '{ journeyMap(persona: "trend-seekr") { stages { stage } } }',
    '{ journeyPaths(persona: "trend-seekr") { variants { journeys } } }',
    '{ customers(persona: "trend-seekr") { totalCount } }',
    '{ affectedCustomers(persona: "trend-seekr", friction: "long_wait") { customerId } }',
])
def test_an_unknown_persona_is_bad_input_naming_the_closest_codes(api: Api, query: str) -> None:
    error = api.error(query)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"] == "There is no persona 'trend-seekr'; the closest known: trend-seeker."


def test_an_unknown_friction_names_the_closest_and_a_known_code_with_no_answer_is_empty(api: Api) -> None:
    error = api.error('{ affectedCustomers(persona: "trend-seeker", friction: "long-wait") { customerId } }')
    assert error["message"] == "There is no friction point 'long-wait'; the closest known: long_wait."
    assert api.data('{ frictionToCompetitors(persona: "loyal-pro") { exposed } }') == {"frictionToCompetitors": []}
    far = api.error('{ frictionToCompetitors(persona: "zzz") { exposed } }')["message"]
    assert far == "There is no persona 'zzz'; known ones: loyal-pro, trend-seeker."
