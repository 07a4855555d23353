"""API keys and roles: 401 without a known key, personal data for admin only, each role x each sensitive field."""

from __future__ import annotations

import subprocess
import sys

import pytest
from api_client import Api

from api.auth import KeyRing, check_bind, is_loopback
from graph.errors import ConfigError
from graph.settings import Settings

CUSTOMER = '{ customer(id: "sydney") { id pii } }'
EXPORT = '{ customerExport(id: "sydney") }'
ERASE = 'mutation { eraseCustomer(id: "alex") { nodesDeleted } }'
CONSENT = 'mutation { setConsent(customerId: "sydney", purpose: "marketing", granted: true) { granted } }'
RECORD = ('mutation { recordEvent(input: {eventId: "n-KEY", customerId: "sydney", ts: "2024-04-01T10:00:00Z", '
          'channel: "web", touchpoint: "checkout", type: "view"}) { accepted } }')
FRICTIONS = '{ frictionToCompetitors(persona: "trend-seeker") { exposed } }'


def test_anonymous_and_unknown_keys_get_401(keyed: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-key"}, {"Authorization": "Basic adm-key"}):
        r = keyed.client.post("/graphql", json={"query": CUSTOMER}, headers=headers)
        assert r.status_code == 401
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "wrong-key" not in r.text
    assert keyed.client.post("/events", json=[]).status_code == 401


def test_graphiql_page_loads_without_a_key(keyed: Api) -> None:
    r = keyed.client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "graphiql" in r.text.lower()


def test_pii_is_null_for_every_role_but_admin(keyed: Api) -> None:
    seen = {key: keyed.data(CUSTOMER, key)["customer"]["pii"] for key in ("adm-key", "ana-key", "fe-key")}
    assert seen["adm-key"] == {"name": "Sydney", "email": "sydney@example.com"}
    assert seen["ana-key"] is None and seen["fe-key"] is None


@pytest.mark.parametrize(("operation", "allowed"), [
    (CUSTOMER, {"adm-key", "ana-key", "fe-key"}),
    (FRICTIONS, {"adm-key", "ana-key", "fe-key"}),
    (EXPORT, {"adm-key"}),
    (CONSENT, {"adm-key", "fe-key"}),
    (RECORD, {"adm-key", "fe-key", "ing-key"}),
    (ERASE, {"adm-key"}),
])
def test_role_matrix(keyed: Api, operation: str, allowed: set[str]) -> None:
    for key in ("ana-key", "fe-key", "ing-key", "adm-key"):  # admin last: erasure changes the graph
        status, body = keyed.gql(operation.replace("KEY", key), key)  # one event id per role
        assert status == 200
        codes = [e["extensions"]["code"] for e in body.get("errors", [])]
        if key in allowed:
            assert codes == [], (key, body)
        else:
            assert codes == ["FORBIDDEN"], (key, body)
            assert "may not" in body["errors"][0]["message"]


def test_every_pii_read_is_audited_without_personal_data(keyed: Api, store_settings: Settings) -> None:
    from graph.keys import identity_key
    from graph.privacy import audit_log, customer_ref

    keyed.data(CUSTOMER, "fe-key")  # pii null: nothing read, nothing audited
    keyed.data(CUSTOMER, "adm-key")
    ref = customer_ref("sydney", identity_key(store_settings))
    reads = [e for e in audit_log(keyed.store, action="pii_read")]
    assert [(e["subject"], e["actor"].split(":")[1]) for e in reads] == [(ref, "admin")]
    assert "sydney" not in str(reads) and "adm-key" not in str(reads)


def test_export_shows_the_admin_everything(keyed: Api) -> None:
    exported = keyed.data(EXPORT, "adm-key")["customerExport"]
    assert exported["pii"]["email"] == "sydney@example.com"
    assert keyed.data('{ customerExport(id: "nobody") }', "adm-key") == {"customerExport": None}


def test_post_events_and_metrics_by_role(keyed: Api) -> None:
    event = {"event_id": "k1", "customer_id": "sydney", "ts": "2024-04-01T10:00:00Z", "channel": "web",
             "touchpoint": "checkout", "type": "view"}
    assert keyed.client.post("/events", json=[event], headers={"Authorization": "Bearer ana-key"}).status_code == 403
    assert keyed.client.post("/events", json=[event], headers={"Authorization": "Bearer ing-key"}).status_code == 202
    assert keyed.client.get("/metrics", headers={"Authorization": "Bearer fe-key"}).status_code == 403
    assert keyed.client.get("/metrics", headers={"Authorization": "Bearer ana-key"}).status_code == 200


def test_keys_compare_by_value_and_open_mode_is_loopback_only() -> None:
    ring = KeyRing({"s3cret": "analyst"})
    caller = ring.caller_for("Bearer s3cret", "1.2.3.4")
    assert caller is not None and caller.role == "analyst" and "s3cret" not in caller.fingerprint
    assert ring.caller_for("Bearer s3cret2", "1.2.3.4") is None and ring.caller_for(None, "x") is None
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    check_bind("127.0.0.1", KeyRing({}))
    check_bind("0.0.0.0", ring)
    with pytest.raises(ConfigError, match="Refusing to serve on 0.0.0.0 without API keys"):
        check_bind("0.0.0.0", KeyRing({}))


def test_dtc_serve_refuses_an_open_public_bind(tmp_path: object) -> None:
    r = subprocess.run([sys.executable, "-m", "dtc.cli", "--store", f"embedded://{tmp_path}/s", "serve", "--host",
                        "0.0.0.0", "--port", "1"], capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "DTC_API_KEYS" in lines[0] and "Traceback" not in r.stderr
