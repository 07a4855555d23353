"""Identity normalisation, keyed hashing, the merge rule and its guardrails, without a store."""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path

import pytest

from graph.errors import ConfigError
from graph.keys import identity_key
from graph.settings import Settings
from ingest.identity import IdentityGraph, IdentityRef, anonymous_id, normalise, refs, survivor

KEY = b"secret"


def ref(kind: str, value: str) -> IdentityRef:
    [r] = refs(KEY, {kind: value})
    return r


def test_emails_and_phones_are_normalised_before_hashing() -> None:
    assert normalise("email", "  Sydney@Example.COM ") == "sydney@example.com"
    assert normalise("phone", "+61 (02) 9999-1234") == "+610299991234"
    assert ref("email", "Sydney@example.com") == ref("email", "sydney@example.com ")
    assert ref("email", "sydney@example.com").hash != refs(b"other", {"email": "sydney@example.com"})[0].hash


def test_the_hash_hides_the_value() -> None:
    r = ref("email", "sydney@example.com")
    assert "sydney" not in r.key and r.key.startswith("email:") and len(r.hash) == 64


@pytest.mark.parametrize(("kind", "value"), [("email", "test@example.com"), ("email", "no-at-sign"),
                                             ("phone", "0000000000"), ("device_id", "unknown"), ("cookie_id", "null")])
def test_blocked_values_identify_nobody(kind: str, value: str) -> None:
    assert refs(KEY, {kind: value}) == []


def test_strongest_identity_first_and_anonymous_ids_are_stable() -> None:
    found = refs(KEY, {"cookie_id": "ck1", "email": "a@b.org", "crm_id": "42"})
    assert [r.kind for r in found] == ["crm_id", "email", "cookie_id"]
    assert anonymous_id(found[0]) == anonymous_id(ref("crm_id", "42"))
    assert anonymous_id(found[0]).startswith("anon-crm_id-")


def test_declared_ids_survive_over_anonymous_ones_then_the_smallest() -> None:
    assert survivor(["anon-email-x", "zoe", "bob"]) == "bob"
    assert survivor(["anon-email-b", "anon-email-a"]) == "anon-email-a"


def test_an_event_with_only_identities_goes_to_their_owner_or_a_new_customer() -> None:
    email = ref("email", "sydney@example.com")
    graph = IdentityGraph(owner={email.key: "sydney"})
    assert graph.resolve(None, [email]).customer_id == "sydney"
    device = ref("device_id", "D-1")
    fresh = graph.resolve(None, [device])
    assert fresh.customer_id == anonymous_id(device) and fresh.attach == (device,)
    assert graph.resolve(None, [device]).customer_id == fresh.customer_id  # now it is known


def test_identities_of_two_customers_merge_them_into_the_survivor() -> None:
    email, phone = ref("email", "a@b.org"), ref("phone", "+4412345678")
    graph = IdentityGraph(owner={email.key: "zoe", phone.key: "anon-phone-1"},
                          kinds={"zoe": Counter(email=1), "anon-phone-1": Counter(phone=1)})
    result = graph.resolve(None, [email, phone])
    assert result.customer_id == "zoe" and result.merged == ("anon-phone-1",)
    assert graph.current("anon-phone-1") == "zoe"
    assert graph.kinds["zoe"] == Counter(email=1, phone=1)


def test_a_merge_that_breaks_a_per_kind_limit_is_refused() -> None:
    crm_a, crm_b, device = ref("crm_id", "A"), ref("crm_id", "B"), ref("device_id", "family-tablet")
    graph = IdentityGraph(owner={crm_a.key: "alice", crm_b.key: "bob", device.key: "alice"},
                          kinds={"alice": Counter(crm_id=1, device_id=1), "bob": Counter(crm_id=1)})
    result = graph.resolve("bob", [device])  # bob uses alice's tablet: two crm ids cannot be one person
    assert result.customer_id == "bob" and result.merged == () and result.refused == (device,)
    assert graph.current("alice") == "alice"


def test_an_identity_over_the_kind_limit_is_not_attached() -> None:
    graph = IdentityGraph(kinds={"carol": Counter(email=3)})
    extra = ref("email", "fourth@mail.org")
    result = graph.resolve("carol", [extra])
    assert result.attach == () and result.refused == (extra,)


def test_identity_key_from_settings_or_a_private_key_file(tmp_path: Path) -> None:
    assert identity_key(Settings(identity_key="abc")) == b"abc"
    embedded = Settings(graph_url=f"embedded://{tmp_path}")
    first = identity_key(embedded)
    assert first == identity_key(embedded) and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "identity.key").st_mode) == 0o600
    with pytest.raises(ConfigError, match="DTC_IDENTITY_KEY"):
        identity_key(Settings(graph_url="bolt://db:7687"))
