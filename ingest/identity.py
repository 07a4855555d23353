"""Identity resolution: normalise and hash identifiers, find the customer they point to, merge when they link two.

Identifiers (email, phone, device_id, cookie_id, crm_id, …) are normalised, then hashed with a keyed HMAC-SHA256,
before anything touches the graph: an `Identity` node holds only `kind` and the hash.

The merge rule (Segment-style identity graph, with its guardrails):

1. Blocked values (`test@example.com`, `0000000000`, `unknown`, …) are dropped: they identify nobody.
2. An event with a `customer_id` belongs to that customer; one with only identities belongs to the customer those
   identities point to, or to a new customer whose id is derived from its strongest identity (so the same input
   always gives the same id).
3. When the identities of one event point to two or more customers, they are merged into one survivor: a customer
   with a declared id beats one created from identities (`anon-…`), then the smallest id wins. The others keep their
   node with `merged_into = <survivor>`, and their identities, interactions, journeys, personas, consents and
   switches move to the survivor.
4. Guardrail: a customer may hold at most `LIMITS[kind]` identities of a kind (one crm_id, three emails, five
   devices, …). A merge that would break a limit is refused (so one shared family tablet does not collapse a
   household into one twin): the event goes to its declared customer, else to the owner of its strongest identity,
   and an identity over the limit is simply not attached.
5. Segment's `anonymousId` is an identity of kind `anonymous_id` (a browser or device, up to 1,000 per person, as
   Segment's own identity resolution allows). A customer first seen through one is named after it even when the
   message also carries an email, so an anonymous visitor keeps one id whichever of its messages comes first. An
   alias (`absorb`) merges a known customer into the one it is now called, the guardrails permitting.

The rule functions here are pure; the key of the hash is `graph.keys.identity_key()`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

KIND_PRIORITY: tuple[str, ...] = ("crm_id", "email", "phone", "device_id", "cookie_id")
ANONYMOUS_KIND = "anonymous_id"  # Segment's anonymousId
LIMITS: Mapping[str, int] = {"crm_id": 1, "email": 3, "phone": 3, "device_id": 5, "cookie_id": 20, ANONYMOUS_KIND: 1000}
DEFAULT_LIMIT = 5
ANONYMOUS_PREFIX = "anon-"
BLOCKED_ANY = frozenset({
    "null", "none", "nil", "undefined", "unknown", "n/a", "na", "-", "0", "-1", "test", "anonymous",
    "00000000-0000-0000-0000-000000000000",
})
BLOCKED: Mapping[str, frozenset[str]] = {
    "email": frozenset({
        "test@example.com", "example@example.com", "user@example.com", "email@example.com", "test@test.com",
        "noreply@example.com", "no-reply@example.com", "a@a.com", "none@none.com", "null@null.com",
    }),
    "phone": frozenset({"0000000000", "1111111111", "1234567890", "9999999999", "+10000000000"}),
}


@dataclass(frozen=True, slots=True)
class IdentityRef:
    """A normalised, hashed identifier: `key` is what the graph stores (kind + ':' + hash)."""

    kind: str
    hash: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.hash}"


def normalise(kind: str, value: str) -> str | None:
    """The canonical form of an identifier, or None when it is blocked or empty."""
    text = str(value).strip()
    if kind == "email":
        text = text.lower()
        if "@" not in text:
            return None
    elif kind == "phone":
        plus = text.startswith("+")
        text = ("+" if plus else "") + re.sub(r"\D", "", text)
        if len(text.lstrip("+")) < 5:
            return None
    elif kind in ("device_id", "cookie_id"):
        text = text.lower()
    if not text or text.lower() in BLOCKED_ANY or text in BLOCKED.get(kind, ()):
        return None
    return text


def hash_identity(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def refs(key: bytes, identities: Mapping[str, str]) -> list[IdentityRef]:
    """The usable identities of an event or customer record, hashed, strongest first."""
    found = []
    for kind, value in identities.items():
        normal = normalise(kind, value)
        if normal is not None:
            found.append(IdentityRef(kind, hash_identity(key, kind, normal)))
    return sorted(found, key=lambda r: (_rank(r.kind), r.kind, r.hash))


def anonymous_id(strongest: IdentityRef) -> str:
    """The id of a customer first seen through an identity: stable, so re-runs and shuffles agree."""
    return f"{ANONYMOUS_PREFIX}{strongest.kind}-{strongest.hash[:20]}"


def survivor(customer_ids: Iterable[str]) -> str:
    """The customer that absorbs the others in a merge: declared ids beat anonymous ones, then the smallest id."""
    return min(customer_ids, key=lambda c: (c.startswith(ANONYMOUS_PREFIX), c))


def limit(kind: str) -> int:
    return LIMITS.get(kind, DEFAULT_LIMIT)


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where one event (or customer record) belongs and what it changes in the identity graph."""

    customer_id: str
    attach: tuple[IdentityRef, ...] = ()  # identities to link to customer_id
    merged: tuple[str, ...] = ()  # customers merged into customer_id
    refused: tuple[IdentityRef, ...] = ()  # identities left alone by a guardrail


@dataclass
class IdentityGraph:
    """The part of the identity graph a batch needs, kept current as the batch's events are resolved in order.

    `owner` maps identity key -> customer id; `kinds` counts each customer's identities per kind; `merged_into`
    maps merged customers to their survivor. Fill them from the store, then call `resolve()` per event.
    """

    owner: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, Counter[str]] = field(default_factory=dict)
    merged_into: dict[str, str] = field(default_factory=dict)

    def current(self, customer_id: str) -> str:
        """Follow merges to the customer that survives today."""
        seen = set()
        while customer_id in self.merged_into and customer_id not in seen:
            seen.add(customer_id)
            customer_id = self.merged_into[customer_id]
        return customer_id

    def resolve(self, declared: str | None, identities: list[IdentityRef]) -> Resolution:
        """Apply the merge rule of this module to one event and record its effects."""
        owners = sorted({self.current(self.owner[r.key]) for r in identities if r.key in self.owner})
        target = self.current(declared) if declared else None
        candidates = sorted(set(owners) | ({target} if target else set()))
        if not candidates:
            if not identities:
                raise ValueError("an event needs a customer_id or at least one usable identity")
            candidates = [anonymous_id(next((r for r in identities if r.kind == ANONYMOUS_KIND), identities[0]))]
        merged: list[str] = []
        if len(candidates) > 1 and self._mergeable(candidates):
            winner = survivor(candidates)
            merged = [c for c in candidates if c != winner]
            for loser in merged:
                self._merge(loser, winner)
            target = winner
        elif target is None:
            strongest_owned = next((r for r in identities if r.key in self.owner), None)
            target = self.current(self.owner[strongest_owned.key]) if strongest_owned else candidates[0]
        attach: list[IdentityRef] = []
        refused: list[IdentityRef] = []
        counts = self.kinds.setdefault(target, Counter())
        for ref in identities:
            if ref.key in self.owner:
                if self.current(self.owner[ref.key]) != target:
                    refused.append(ref)  # it stays with the customer it already identifies
                continue
            if counts[ref.kind] >= limit(ref.kind):
                refused.append(ref)
                continue
            counts[ref.kind] += 1
            self.owner[ref.key] = target
            attach.append(ref)
        return Resolution(target, tuple(attach), tuple(merged), tuple(refused))

    def absorb(self, loser: str, survivor: str) -> bool:
        """Merge `loser` into `survivor` (an alias names the survivor), unless a guardrail forbids it."""
        if loser == survivor or not self._mergeable([loser, survivor]):
            return False
        self._merge(loser, survivor)
        return True

    def _mergeable(self, customers: list[str]) -> bool:
        total: Counter[str] = Counter()
        for c in customers:
            total.update(self.kinds.get(c, Counter()))
        return all(n <= limit(kind) for kind, n in total.items())

    def _merge(self, loser: str, winner: str) -> None:
        self.merged_into[loser] = winner
        self.kinds.setdefault(winner, Counter()).update(self.kinds.pop(loser, Counter()))
        for key, owner in self.owner.items():
            if owner == loser:
                self.owner[key] = winner


def _rank(kind: str) -> int:
    return KIND_PRIORITY.index(kind) if kind in KIND_PRIORITY else len(KIND_PRIORITY)
