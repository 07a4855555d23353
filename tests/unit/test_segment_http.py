"""The pure parts of the Segment endpoints (api/segment.py): gzip with a limit on what it inflates to, the write key
of a Basic header, and the messages of a body."""

from __future__ import annotations

import base64
import gzip
import zlib

import pytest

from api.auth import bearer_or_basic_key
from api.segment import TooLarge, inflate, messages_of


def test_gzip_and_deflate_bodies_inflate_and_plain_ones_pass() -> None:
    body = b'{"batch": []}'
    assert inflate(gzip.compress(body), "gzip", 1000) == body
    assert inflate(zlib.compress(body), "deflate", 1000) == body
    assert inflate(body, "", 1000) == body


def test_a_gzip_bomb_is_too_large_once_inflated_without_inflating_it_all() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    assert len(bomb) < 100_000
    with pytest.raises(TooLarge):
        inflate(bomb, "gzip", 1_000_000)


def test_broken_or_unknown_encodings_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="not valid gzip"):
        inflate(b"not gzip at all", "gzip", 1000)
    with pytest.raises(ValueError, match="cut short"):
        inflate(gzip.compress(b'{"batch": []}' * 100)[:-12], "gzip", 10_000)
    with pytest.raises(ValueError, match="br"):
        inflate(b"x", "br", 1000)


def test_the_key_is_the_bearer_token_or_the_basic_user_name() -> None:
    assert bearer_or_basic_key("Basic " + base64.b64encode(b"wk-123:").decode()) == "wk-123"
    assert bearer_or_basic_key("basic " + base64.b64encode(b"wk-123:ignored").decode()) == "wk-123"
    assert bearer_or_basic_key("Bearer wk-123") == "wk-123"
    assert bearer_or_basic_key("Basic %%%") is None
    assert bearer_or_basic_key("Basic " + base64.b64encode(b":").decode()) is None
    assert bearer_or_basic_key("Digest x") is None


def test_messages_of_a_batch_take_its_context_under_their_own_and_single_calls_take_the_path_type() -> None:
    body = {"batch": [{"type": "track", "context": {"ip": "1"}}, {"type": "page"}], "sentAt": "S",
            "context": {"ip": "0", "library": {"name": "x"}}}
    messages, sent_at = messages_of(body, None)
    assert sent_at == "S"
    assert messages == [{"type": "track", "context": {"ip": "1", "library": {"name": "x"}}},
                        {"type": "page", "context": {"ip": "0", "library": {"name": "x"}}}]
    assert messages_of({"event": "E", "type": "page"}, "track") == ([{"event": "E", "type": "track"}], None)
    with pytest.raises(ValueError, match="batch"):
        messages_of({"messages": []}, None)
    with pytest.raises(ValueError, match="JSON object"):
        messages_of([1], "track")
