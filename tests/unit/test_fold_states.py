"""The fold states an ingest keeps between batches stay within their memory budget: past it the least recently used
go to disk and come back equal, so the fast path steps the same state either way."""

from __future__ import annotations

from graph.live_state.fold import Contribution, CustomerInputs, CustomerState, Span, StateEvent, fold, step
from ingest.fold_states import FoldStates, weight

DAY = 86_400_000


def _state(customer_id: str, events: int) -> CustomerState:
    folded = [StateEvent(f"{customer_id}-e{n}", n * DAY, "purchase" if n % 3 else "view", f"tp{n % 4}",
                         "web" if n % 2 else None, f"{customer_id}:j{n // 5}", stage="purchase" if n % 2 else None,
                         frictions=("slow",) if n % 4 == 0 else (), competitor="rival" if n == 7 else None,
                         csat=4.0 if n % 5 == 0 else None)
              for n in range(events)]
    return fold(CustomerInputs(customer_id, folded, (Span("p-a", 1.0, None, None),)))[0]


def test_states_past_the_budget_wait_on_disk_and_come_back_equal() -> None:
    states = {f"c{n}": _state(f"c{n}", 3 + n % 9) for n in range(40)}
    budget = sum(weight(s) for s in states.values()) // 4
    kept = FoldStates(budget)
    for cid, state in states.items():
        kept.put(cid, state)
    assert kept._held <= budget and kept.spills >= 25  # noqa: SLF001  the budget holds, most states went to disk
    for cid, state in states.items():
        assert kept.has(cid)
        found, back = kept.get(cid)
        assert found and back == state and back is not None and back.facts() == state.facts()
    assert kept.reads >= 25 and kept._held <= budget  # noqa: SLF001
    assert kept.get("c-unknown") == (False, None) and not kept.has("c-unknown")


def test_a_state_read_back_steps_like_the_one_that_stayed() -> None:
    kept = FoldStates(1)  # below one state's weight: every state but the latest goes to disk
    stayed, spilled = _state("c1", 12), _state("c1", 12)
    kept.put("c1", spilled)
    kept.put("c2", _state("c2", 4))  # pushes c1 to disk
    found, back = kept.get("c1")
    assert found and back is not None and back is not spilled
    event = StateEvent("c1-late", 20 * DAY, "switch", "tp1", "web", "c1:j9", competitor="rival")
    into_stayed: Contribution = {}
    into_back: Contribution = {}
    step(stayed, event, into_stayed)
    step(back, event, into_back)
    assert into_back == into_stayed and back == stayed


def test_discard_and_clear_forget_states_on_disk_too() -> None:
    kept = FoldStates(1)
    for n in range(5):
        kept.put(f"c{n}", _state(f"c{n}", 6))
    kept.discard("c0")
    assert not kept.has("c0") and kept.get("c0") == (False, None) and kept.has("c1")
    kept.clear()
    assert not any(kept.has(f"c{n}") for n in range(5))
    kept.put("c9", _state("c9", 2))
    assert kept.get("c9")[0]
