"""The API served for real (`dtc serve` over a socket), for what an in-process client cannot show."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from api_client import Serve


def test_an_oversized_body_gets_413_not_a_broken_connection(serve: Serve) -> None:
    served = serve()
    body = json.dumps({"query": "{ personas { code } }" + " " * 3_000_000}).encode()
    request = urllib.request.Request(served + "/graphql", data=body, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 413
    assert "byte limit" in json.loads(refused.value.read())["errors"][0]["message"]
    assert urllib.request.urlopen(served + "/healthz", timeout=60).status == 200
