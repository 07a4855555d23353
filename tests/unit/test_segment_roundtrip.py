"""Generated native events, rewritten as Segment messages by the test-only converter and mapped back by
ingest.segment, are the same events field for field (the graph-level comparison is in tests/integration)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from segment_converter import PAGE_MAPPING_YAML, convert, owners

from ingest.contracts import validate_event
from ingest.generator import generate
from ingest.segment import SegmentRecords, map_message
from ingest.segment_mapping import load_segment_mapping


def test_converted_generated_events_map_back_to_the_same_events(tmp_path: Path) -> None:
    generate(tmp_path, customers=120, seed=11)
    (tmp_path / "segment.yaml").write_text(PAGE_MAPPING_YAML)
    mapping = load_segment_mapping(tmp_path / "segment.yaml")
    native = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    owner_of = owners(tmp_path / "customers.jsonl")
    messages = list(convert(tmp_path / "events.jsonl", tmp_path / "customers.jsonl"))
    assert len(messages) == len(native) > 1000
    assert {m["type"] for m in messages} == {"track", "page", "screen"}
    for original, message in zip(native, messages, strict=True):
        mapped = map_message(message, mapping=mapping)
        assert isinstance(mapped, SegmentRecords) and mapped.event is not None, mapped
        expected, errors = validate_event(original)
        got, got_errors = validate_event(mapped.event)
        assert errors == [] and got_errors == [] and expected is not None and got is not None
        want = asdict(expected)
        if "customer_id" not in original:  # identity-only: sent with the userId its identities belong to
            [(kind, value)] = original["identities"].items()
            want["customer_id"] = owner_of[(kind, value)]
            want["identities"] = {}
        have = asdict(got)
        have["attributes"] = {k: v for k, v in have["attributes"].items() if k != "path"}  # where the page was
        assert have == want, original
