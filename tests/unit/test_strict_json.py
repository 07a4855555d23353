"""Network JSON as the twin reads it (graph.strict_json): what is refused, on the fast path (no surrogate escape in the
text: only the depth is walked) and the full one."""

from __future__ import annotations

import json

import pytest

from graph.strict_json import MAX_DEPTH, MalformedJSONError, loads_strict


@pytest.mark.parametrize("text", [
    '{"a": "\\ud800"}', '{"\\udc00": 1}', '["ok", ["\\uDBFF"]]', '"\\ud800"', '{"a": "\ud800"}'])
def test_a_lone_surrogate_anywhere_is_refused(text: str) -> None:
    with pytest.raises(MalformedJSONError, match="lone surrogate"):
        loads_strict(text)


def test_a_pair_of_surrogate_escapes_is_one_character() -> None:
    assert loads_strict('{"smile": "\\ud83d\\ude00", "\\ud83d\\ude00": [1]}') == {"smile": "😀", "😀": [1]}


@pytest.mark.parametrize(("text", "lone"), [
    ('["\\\\ud800"]', False),  # an escaped backslash, then plain text
    ('["\\\\\\ud800"]', True),  # an escaped backslash, then an escape
    ('["\\\\ud83d\\ude00"]', True),  # the escape after the backslash has no high half: alone
    ('["\\ud800\\ud83d\\ude00"]', True), ('["\\ud83d\\ude00\\udc00"]', True), ('["\\ud7ff\\ue000"]', False)])
def test_escaped_backslashes_and_pairs_are_read_as_the_decoder_reads_them(text: str, lone: bool) -> None:
    """The surrogate escapes are found in the text (only a lone one makes the full walk run): each case as json
    decodes it."""
    if lone:
        with pytest.raises(MalformedJSONError, match="lone surrogate"):
            loads_strict(text)
    else:
        assert loads_strict(text) == json.loads(text)


@pytest.mark.parametrize("surrogates", [False, True])
def test_nesting_past_the_limit_is_refused_with_or_without_surrogate_escapes(surrogates: bool) -> None:
    leaf = '"\\ud83d\\ude00"' if surrogates else "1"
    fits = "[" * (MAX_DEPTH - 1) + "{\"k\": " + leaf + "}" + "]" * (MAX_DEPTH - 1)
    assert loads_strict(fits) is not None
    deep = "[" * MAX_DEPTH + "{\"k\": " + leaf + "}" + "]" * MAX_DEPTH
    with pytest.raises(MalformedJSONError, match="nests deeper"):
        loads_strict(deep)


@pytest.mark.parametrize("where", [0, 150, 299])
def test_one_message_nested_past_the_limit_refuses_a_wide_batch_wherever_it_is(where: int) -> None:
    # a batch of shallow messages has far more than MAX_DEPTH brackets: the depth is counted, not the brackets
    shallow = '{"context": {"library": {"name": "x"}}, "properties": {"friction": ["a"]}}'

    def batch(nested: str) -> str:
        return '{"batch": [' + ", ".join(nested if n == where else shallow for n in range(300)) + "]}"

    # the batch object and its list are two of the MAX_DEPTH levels: a message filling the rest fits, one more does not
    fits = "[" * (MAX_DEPTH - 2) + "1" + "]" * (MAX_DEPTH - 2)
    assert loads_strict(batch(fits))["batch"][where] is not None
    with pytest.raises(MalformedJSONError, match="nests deeper"):
        loads_strict(batch("[" + fits + "]"))


def test_numbers_and_constants_json_does_not_have_are_refused() -> None:
    for text in ("[NaN]", "[1e999]", "[" + "9" * 5000 + "]"):
        with pytest.raises(MalformedJSONError):
            loads_strict(text)
    with pytest.raises(json.JSONDecodeError):
        loads_strict("{broken")
    assert loads_strict(b'{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}


@pytest.mark.parametrize(("text", "key"), [
    ('{"event_id": "e8", "event_id": "e9"}', "event_id"),
    ('{"a": 1, "a" : 2}', "a"),  # space before the colon
    ('[{"ok": 1}, {"x": {"ts": 1, "ts": 2}}]', "ts"),
    ('{"k": "\\":", "k": 1}', "k"),  # an escaped quote and colon inside a string does not hide it
    ('{"\\u0061": 1, "a": 2}', "a"),  # the same key escaped
])
def test_a_key_named_twice_in_one_object_is_refused(text: str, key: str) -> None:
    # JSON parsers disagree on which value wins (the first, the last, an error): the twin names it instead of guessing
    with pytest.raises(MalformedJSONError, match=f"names the key '{key}' twice") as refused:
        loads_strict(text)
    assert refused.value.code == "duplicate_key"
    with pytest.raises(MalformedJSONError, match="twice"):
        loads_strict(text, lone_surrogates=True)


@pytest.mark.parametrize("text", [
    '{"a": 1, "b": {"a": 2}}', '[{"a": 1}, {"a": 2}]', '{"text": "say \\"x\\": y", "x": 1}', '{"a" :1, "b":2}'])
def test_the_same_key_in_different_objects_or_inside_strings_is_fine(text: str) -> None:
    assert loads_strict(text) == json.loads(text)
