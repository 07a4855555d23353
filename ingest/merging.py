"""Identity merges in the graph: when identities show two customers are one person, everything of the loser moves to
the survivor (the rule deciding who survives is `ingest.identity`)."""

from __future__ import annotations

from graph.privacy import refresh_refused
from graph.store import GraphStore
from ingest.identity import ANONYMOUS_PREFIX


def merge_customer(store: GraphStore, loser: str, survivor: str, now: int) -> None:
    """Move everything of `loser` to `survivor`. A declared loser stays as a redirect stub (`merged_into`) for events
    that still name it; an anonymous one (`anon-…`) goes: its id only stood for identities that now point at the
    survivor, and whether it ever existed would depend on the order the events came in."""
    store.run("ingest-merge-customer", {"loser": loser, "survivor": survivor, "now": now,
                                        "anonymous": ANONYMOUS_PREFIX})
    refresh_refused(store, [survivor])  # the loser's consent history is the survivor's now
