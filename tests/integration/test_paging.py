"""Whole-twin reads in windows of internal node ids (graph.paging): every node once, and only nodes of the window."""

from __future__ import annotations

from intelligence_graph import add_customer, add_events, add_touchpoint

from graph.paging import id_windows
from graph.store import GraphStore


def test_windows_read_every_customer_exactly_once_across_gaps_in_the_ids(store: GraphStore) -> None:
    add_touchpoint(store, "shop", "web")
    for n in range(23):
        add_customer(store, f"k{n:02d}")
    # other labels' nodes between the customers, and deleted customers leave gaps in the ids
    add_events(store, [{"event_id": f"e{n}", "customer_id": f"k{n:02d}", "ts": 1_710_000_000_000 + n,
                        "touchpoint": "shop", "type": "view"} for n in range(23)])
    store.write("MATCH (c:Customer) WHERE c.id IN ['k03', 'k04', 'k17'] DETACH DELETE c")
    for n in range(23, 30):  # later customers, some taking the freed ids
        add_customer(store, f"k{n:02d}")
    expected = sorted(r["id"] for r in store.read("MATCH (c:Customer) RETURN c.id AS id"))
    assert len(expected) == 27

    for size in (1, 3, 7, 1000):
        windows = list(id_windows(store, "remaining-customers", size))
        read: list[str] = []
        for window in windows:
            rows = store.read("MATCH (c:Customer) WHERE id(c) >= $from AND id(c) < $to RETURN c.id AS id, id(c) AS n",
                              window)
            assert all(window["from"] <= r["n"] < window["to"] for r in rows), (size, window, rows)
            read += [r["id"] for r in rows]
        assert sorted(read) == expected, size  # each customer once: no duplicate, none missed
        assert all(b["from"] == a["to"] for a, b in zip(windows, windows[1:], strict=False))


def test_an_empty_graph_has_no_window(store: GraphStore) -> None:
    assert list(id_windows(store, "remaining-customers")) == []
