"""Every way in checks the suppression list (graph/suppression.py), so an erased person stays erased.

The event sink screens every event it writes: event files, the stream worker, `recordEvent`, and any later way in that
writes through the sink get the check without doing anything. The doors that answer a caller screen too, so they can
count what they drop and so a suppressed person's events are never queued: `POST /events` (`accept_events`) and the
customer files of `dtc ingest`.

An item (an event or a customer record) is suppressed when its customer id or one of its identities is on the list;
it is dropped and counted. It also ties its other ids to the erased person: each of its other identities that nobody
or only an anonymous customer holds, and its customer id when that is anonymous (`anon-…`), go on the list under the
same subject, and an anonymous customer holding one of them is erased with its history. An identity of a declared
customer is left alone: the item is dropped, but one item is not enough to take someone else's identity away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Protocol, TypeVar

from graph.errors import StoreUnavailableError
from graph.keys import identity_key
from graph.privacy import customer_ref
from graph.settings import Settings
from graph.store import GraphStore
from graph.suppression import CUSTOMER, IDENTITY, add_entries, identity_ref, on_list
from graph.writer_lock import writer_lock
from ingest.identity import ANONYMOUS_PREFIX, refs
from ingest.lookups import identity_owners

SPREAD_ACTOR = "ingest:suppression"  # the audit trail's actor for erasures the list itself causes
_KEY_CACHE = 200_000


class Named(Protocol):
    """What screening reads of an event or a customer record."""

    @property
    def customer_id(self) -> str | None: ...
    @property
    def identities(self) -> Mapping[str, str]: ...


T = TypeVar("T", bound=Named)


@dataclass(frozen=True, slots=True)
class _Name:
    key: str  # the suppression key
    kind: str  # CUSTOMER or IDENTITY
    ref: str  # the customer id, or the Identity.key


class Screen:
    """Checks items against the suppression list of one graph (one per writer; not thread-safe)."""

    def __init__(self, store: GraphStore, settings: Settings, *, timeout_s: float | None = None) -> None:
        """`timeout_s`: a look-up the store does not answer in that time raises StoreUnavailableError (a door that
        answers callers says so at its deadline instead of hanging on a stalled store)."""
        self.store = store
        self.settings = settings
        self.key = identity_key(settings)
        self.timeout_s = timeout_s
        self._customer_keys: dict[str, str] = {}  # customer id -> its key (a keyed hash: computed once)
        self._known: dict[str, str | None] = {}  # key -> subject (None: not listed), read ahead for the next items
        self._lookups = ThreadPoolExecutor(max_workers=2, thread_name_prefix="suppression") if timeout_s else None

    def read_ahead(self, items: Sequence[Named]) -> None:
        """Look up the keys of the next items now (while the store is idle); the next `screen()` uses the answer."""
        keys = self._keys(items)
        listed = self._on_list(keys)
        self._known = {k: listed.get(k) for k in keys}

    def forget(self) -> None:
        self._known = {}

    def screen(self, items: Sequence[T], *, lock_held: bool) -> tuple[list[T], int]:
        """(the items not suppressed, how many were). With `lock_held` the caller holds the graph's writer lock,
        which tying new ids to an erased person needs; else it is taken for that."""
        keys = self._keys(items)
        unknown = keys - self._known.keys()
        listed = {k: s for k, s in self._known.items() if s is not None and k in keys}
        listed.update(self._on_list(unknown) if unknown else {})
        self._known = {}
        if not listed:
            return list(items), 0
        named = [(item, self._names(item)) for item in items]
        owners = self._owners(name.ref for _, names in named for name in names if name.kind == IDENTITY)
        tied: dict[str, tuple[_Name, str]] = {}  # new entries: key -> (name, subject)

        def subject_of(names: list[_Name]) -> str | None:
            for name in names:
                if name.key in listed:
                    return listed[name.key]
                if name.key in tied:
                    return tied[name.key][1]
            return None

        suppressed: set[int] = set()
        changed = True
        while changed:  # an item suppressed through a newly tied id can tie more (within these items)
            changed = False
            for n, (_, names) in enumerate(named):
                subject = None if n in suppressed else subject_of(names)
                if subject is None:
                    continue
                suppressed.add(n)
                changed = True
                for name in names:
                    if name.key not in listed and name.key not in tied and _ties(name, owners):
                        tied[name.key] = (name, subject)
        if tied:
            self._tie(tied, owners, lock_held)
        return [item for n, (item, _) in enumerate(named) if n not in suppressed], len(suppressed)

    def _on_list(self, keys: set[str]) -> dict[str, str]:
        if self._lookups is None:
            return on_list(self.store, keys)
        try:
            return self._lookups.submit(on_list, self.store, keys).result(timeout=self.timeout_s)
        except FutureTimeout:
            raise StoreUnavailableError(self.store.url, f"the suppression list did not answer within "
                                                        f"{self.timeout_s:g} s") from None

    def _keys(self, items: Iterable[Named]) -> set[str]:
        keys: set[str] = set()
        for item in items:
            if item.customer_id:
                keys.add(self._customer_key(item.customer_id))
            if item.identities:
                keys.update(identity_ref(ref.key, self.key) for ref in refs(self.key, item.identities))
        return keys

    def _names(self, item: Named) -> list[_Name]:
        names = [_Name(self._customer_key(item.customer_id), CUSTOMER, item.customer_id)] if item.customer_id else []
        if item.identities:
            names += [_Name(identity_ref(ref.key, self.key), IDENTITY, ref.key)
                      for ref in refs(self.key, item.identities)]
        return names

    def _customer_key(self, customer_id: str) -> str:
        key = self._customer_keys.get(customer_id)
        if key is None:
            if len(self._customer_keys) >= _KEY_CACHE:
                self._customer_keys.clear()
            key = self._customer_keys[customer_id] = customer_ref(customer_id, self.key)
        return key

    def _owners(self, identity_keys: Iterable[str]) -> dict[str, str]:
        return identity_owners(self.store, sorted(set(identity_keys)))

    def _tie(self, tied: Mapping[str, tuple[_Name, str]], owners: Mapping[str, str], lock_held: bool) -> None:
        """List the tied ids under their subjects and erase the anonymous customers that hold them."""
        from ingest.erasure import erase_everywhere  # erasure writes through modules that import this one

        by_subject: dict[str, list[dict[str, str]]] = {}
        doomed: dict[str, str] = {}  # anonymous customer -> subject
        for name, subject in tied.values():
            by_subject.setdefault(subject, []).append({"key": name.key, "kind": name.kind})
            holder = name.ref if name.kind == CUSTOMER else owners.get(name.ref)
            if holder is not None and holder.startswith(ANONYMOUS_PREFIX):
                doomed.setdefault(holder, subject)
        with nullcontext() if lock_held else writer_lock(self.store, self.settings).hold():
            for subject, rows in by_subject.items():
                add_entries(self.store, subject, rows)
            for customer_id, subject in sorted(doomed.items()):
                erase_everywhere(self.store, self.settings, customer_id, "ERASE", actor=SPREAD_ACTOR,
                                 lock_held=True, suppress_as=subject)


def _ties(name: _Name, owners: Mapping[str, str]) -> bool:
    """Whether a suppressed item's other id joins the erased person: an anonymous customer id, or an identity that
    nobody or an anonymous customer holds."""
    if name.kind == CUSTOMER:
        return name.ref.startswith(ANONYMOUS_PREFIX)
    holder = owners.get(name.ref)
    return holder is None or holder.startswith(ANONYMOUS_PREFIX)
