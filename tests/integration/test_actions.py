"""nextBestActions: the catalog's answer to the latest trigger outcome, consent respected, ranked by history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from intelligence_graph import DAY_MS, DELIVERY_CATALOG, add_customer, add_events, load_catalog, load_sydney_example, ms

from graph.actions import infer_experience, next_best_actions
from graph.errors import InputError
from graph.store import GraphStore

T0 = ms("2024-04-01T10:00:00Z")
def test_sydney_gets_the_stylist_consultation_and_nothing_for_marketing(store: GraphStore, examples: Path) -> None:
    load_sydney_example(store, examples)
    actions = next_best_actions(store, "sydney")
    assert [a.action for a in actions] == ["stylist_consult"]
    assert actions[0].kind == "service"
    assert actions[0].name == "Book a stylist to diagnose and fix the colour"
    assert "Hair colour result on 2024-03-09 was negative" in actions[0].reason
    # Alex never had a trigger event: nothing to answer
    assert next_best_actions(store, "alex") == []


def test_a_refused_purpose_removes_its_actions_until_consent_is_given_again(store: GraphStore) -> None:
    load_catalog(store, DELIVERY_CATALOG)
    add_customer(store, "c1", consents=[{"purpose": "marketing", "granted": False, "ts": T0 - DAY_MS}])
    add_events(store, [{"event_id": "d1", "customer_id": "c1", "ts": T0, "touchpoint": "doorstep",
                        "type": "delivery", "trigger": "delivery", "experience": "negative"}])
    assert [a.action for a in next_best_actions(store, "c1")] == ["apology_call"]

    add_customer(store, "c1", consents=[{"purpose": "marketing", "granted": True, "ts": T0 + DAY_MS}])
    assert sorted(a.action for a in next_best_actions(store, "c1")) == ["apology_call", "voucher"]
    # as of a moment before the new consent, the refusal still holds
    assert [a.action for a in next_best_actions(store, "c1", at=T0 + 1)] == ["apology_call"]


def test_actions_that_kept_similar_customers_rank_first(store: GraphStore) -> None:
    load_catalog(store, DELIVERY_CATALOG)
    events: list[dict[str, Any]] = []
    # five trend seekers got the apology call and three of them left anyway; four took the voucher and all stayed
    for n in range(9):
        customer = f"h{n}"
        add_customer(store, customer, [{"persona": "trend-seeker", "weight": 1.0}])
        took = "apology_call" if n < 5 else "voucher"
        events += [
            {"event_id": f"{customer}-d", "customer_id": customer, "ts": T0, "touchpoint": "doorstep",
             "type": "delivery", "trigger": "delivery", "experience": "negative"},
            {"event_id": f"{customer}-a", "customer_id": customer, "ts": T0 + DAY_MS, "touchpoint": took,
             "type": "contact"},
        ]
        if n < 3:
            events.append({"event_id": f"{customer}-s", "customer_id": customer, "ts": T0 + 5 * DAY_MS,
                           "touchpoint": "web", "type": "switch", "competitor": "glamco"})
    add_customer(store, "target", [{"persona": "trend-seeker", "weight": 0.8}])
    events.append({"event_id": "t-d", "customer_id": "target", "ts": T0 + 30 * DAY_MS, "touchpoint": "doorstep",
                   "type": "delivery", "trigger": "delivery", "csat": 1})
    add_events(store, events)

    actions = next_best_actions(store, "target")
    assert [a.action for a in actions] == ["voucher", "apology_call"]
    assert [a.score for a in actions] == [pytest.approx(5 / 6, abs=1e-4), pytest.approx(3 / 7, abs=1e-4)]
    assert "inferred from CSAT 1" in actions[0].reason
    assert "4 of 4 customers who are also trend-seeker" in actions[0].reason
    assert "2 of 5" in actions[1].reason


def test_the_outcome_is_inferred_when_the_event_has_none() -> None:
    assert infer_experience("met", 1, None)[0] == "met"
    assert infer_experience(None, 2, None)[0] == "negative"
    assert infer_experience(None, 4, None)[0] == "met"
    assert infer_experience(None, 5, None)[0] == "exceeded"
    assert infer_experience(None, None, -0.7)[0] == "negative"
    assert infer_experience(None, None, None) == (None, "")


def test_an_unknown_customer_is_an_input_error(store: GraphStore) -> None:
    with pytest.raises(InputError, match="'ghost'"):
        next_best_actions(store, "ghost")


WIN_BACK_CATALOG: dict[str, Any] = {
    **DELIVERY_CATALOG,
    "triggers": [*DELIVERY_CATALOG["triggers"], {"code": "competitor_switch", "name": "Switch to a competitor"}],
    "actions": [*DELIVERY_CATALOG["actions"],
                {"code": "winback_call", "name": "Call to hear why they left", "kind": "contact",
                 "trigger": "competitor_switch", "when": "negative"},
                {"code": "winback_offer", "name": "A comeback offer", "kind": "product",
                 "trigger": "competitor_switch", "when": "negative"}],
}


def bad_delivery_then_switch(customer: str) -> list[dict[str, Any]]:
    return [{"event_id": f"{customer}-d", "customer_id": customer, "ts": T0, "touchpoint": "doorstep",
             "type": "delivery", "trigger": "delivery", "experience": "negative"},
            {"event_id": f"{customer}-s", "customer_id": customer, "ts": T0 + DAY_MS, "touchpoint": "web",
             "type": "switch", "competitor": "glamco"}]


def test_after_a_switch_only_win_back_actions_remain_and_consent_still_holds(store: GraphStore) -> None:
    from graph.prediction import next_steps

    load_catalog(store, WIN_BACK_CATALOG)
    add_customer(store, "gone", consents=[{"purpose": "marketing", "granted": False, "ts": T0 - DAY_MS}])
    add_customer(store, "keen")
    add_events(store, bad_delivery_then_switch("gone") + bad_delivery_then_switch("keen"))
    gone = next_best_actions(store, "gone")
    assert [a.action for a in gone] == ["winback_call"]  # the comeback offer is marketing, which she refused
    assert gone[0].reason.startswith("The customer switched to glamco on 2024-04-02: only win-back actions apply")
    assert [a.action for a in next_best_actions(store, "keen")] == ["winback_call", "winback_offer"]
    assert next_steps(store, "gone") == [] and next_steps(store, "keen") == []
    # before the switch, the delivery's answer held
    assert [a.action for a in next_best_actions(store, "keen", at=T0 + 1)] == ["apology_call", "voucher"]


def test_a_customer_back_after_a_switch_gets_next_steps_again(store: GraphStore) -> None:
    from graph.prediction import next_steps

    load_catalog(store, WIN_BACK_CATALOG)
    add_customer(store, "back")
    add_events(store, [*bad_delivery_then_switch("back"),
                       {"event_id": "back-p", "customer_id": "back", "ts": T0 + 2 * DAY_MS, "touchpoint": "checkout",
                        "type": "purchase"}])
    assert [a.action for a in next_best_actions(store, "back")] == ["apology_call", "voucher"]
    assert next_steps(store, "back") != []


def test_without_win_back_actions_in_the_catalog_a_switcher_gets_none(store: GraphStore) -> None:
    load_catalog(store, DELIVERY_CATALOG)
    add_customer(store, "gone")
    add_events(store, bad_delivery_then_switch("gone"))
    assert next_best_actions(store, "gone") == []
