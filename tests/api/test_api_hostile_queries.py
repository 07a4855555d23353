"""Documents written to hurt the server (issue 11, items 1-3): fragment fan-out, field repetition, negative and huge
page sizes, aliased analytic questions. Each is answered at once, and the server keeps answering others meanwhile."""

from __future__ import annotations

import json
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from api_client import Api, Serve
from graphql import get_named_type, parse
from graphql.language import Lexer, Source, TokenKind

from api.complexity import ANALYTIC_COST, ARGUMENT_RANGES, FIELD_COSTS, assess, tables_markdown
from api.schema import build_schema
from graph.settings import ApiLimits

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
LIMITS = ApiLimits()
ANSWER_S = 0.1  # issue 11: any document within the limits is answered within 100 ms, all validation included
BLOCKED_S = 1.0  # a request run on the event loop held every /healthz for its whole length (20 s for the fan-out)


def fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2**levels paths to one field (834 bytes at 20 levels)."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ stats {{ totalNodes }} }}"


def tokens(document: str) -> int:
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def largest(make: Callable[[int], str], limit: int = LIMITS.max_tokens) -> str:
    """The longest document `make(n)` within the token limit."""
    low, high = 1, 20_000
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if tokens(make(middle)) <= limit else (low, middle - 1)
    return make(low)


# documents that each made graphql-core's validation or the old cost walker take seconds at the old 15,000 tokens
HOSTILE: dict[str, Callable[[int], str]] = {
    "one field repeated": lambda n: "{ " + " ".join('customer(id: "x") { id }' for _ in range(n)) + " }",
    "one scalar repeated": lambda n: '{ customer(id: "x") { ' + " id" * n + " } }",
    "conflicting arguments": lambda n: "{ " + " ".join(f'customer(id: "x{i}") {{ id }}' for i in range(n)) + " }",
    "conflicting pages": lambda n: '{ customer(id: "x") { ' + " ".join(
        f"journeys(first: {i % 200}) {{ totalCount }}" for i in range(n)) + " } }",
    "conflicting fragments": lambda n: '{ customer(id: "x") { ' + " ".join(f"...C{i}" for i in range(n)) + " } } "
    + " ".join(f"fragment C{i} on Customer {{ journeys(first: {i % 100}) {{ totalCount }} }}" for i in range(n)),
    "fragment pairs": lambda n: '{ customer(id: "x") { ...C0 } } ' + " ".join(
        f"fragment C{i} on Customer {{ id ...C{i + 1} ...C{i + 1} }}" for i in range(n))
    + f" fragment C{n} on Customer {{ id }}",
    "inline fragments": lambda n: "{ " + " ".join("... on Query { stats { totalNodes } }" for _ in range(n)) + " }",
    "aliased scalars": lambda n: "{ " + " ".join(f"a{i}: __typename" for i in range(n)) + " }",
    "aliased questions": lambda n: "{ " + " ".join(
        f'a{i}: frictionToCompetitors(persona: "x") {{ exposed }}' for i in range(n)) + " }",
    "aliased introspection": lambda n: "{ " + " ".join(
        f"a{i}: __schema {{ types {{ fields {{ name }} }} }}" for i in range(n)) + " }",
    "unused variables": lambda n: "query(" + " ".join(f"$v{i}: Int" for i in range(n)) + ") { stats { totalNodes } }",
    "deep nesting": lambda n: "{ " + "customer(id: \"x\") { journeys { edges { node { " * n + "id" + " } } } }" * n
    + " }",
}


def post(url: str, document: str, **variables: Any) -> tuple[int, dict[str, Any], float]:
    body = json.dumps({"query": document, "variables": variables}).encode()
    request = urllib.request.Request(url + "/graphql", data=body, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            status, text = answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        status, text = refused.code, refused.read()
    return status, json.loads(text), time.perf_counter() - started


def healthz_seconds(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url + "/healthz", timeout=60) as answer:
        assert answer.status == 200
    return time.perf_counter() - started


def assert_health_answered_meanwhile(probes: list[float]) -> None:
    """/healthz answered within ANSWER_S while other requests ran: typically (the median: on a busy machine the
    scheduler alone held one probe of a CI run 162 ms, the others 2-6 ms), and never as long as a request that
    blocked the event loop would hold it."""
    assert len(probes) >= 10, probes
    assert statistics.median(probes) < ANSWER_S, f"/healthz took {statistics.median(probes):.3f} s (median): {probes}"
    assert max(probes) < BLOCKED_S, f"/healthz waited {max(probes):.3f} s: the event loop was blocked"


def codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors") or []}


def test_the_fragment_fan_out_is_refused_at_once_and_health_answers_meanwhile(serve: Serve) -> None:
    url = serve()
    document = fan_out(21)
    assert len(document) < 900
    with ThreadPoolExecutor(4) as attackers:
        attacks = [attackers.submit(post, url, document) for _ in range(12)]
        probes = []
        while not all(a.done() for a in attacks) or len(probes) < 10:
            probes.append(healthz_seconds(url))
        answers = [a.result() for a in attacks]
    for status, body, _ in answers:
        assert status == 200 and codes(body) == {"QUERY_TOO_COMPLEX"} and body["data"] is None, body
    assert_health_answered_meanwhile(probes)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_any_document_within_the_limits_is_answered_within_100_ms(serve_once: str, name: str) -> None:
    document = largest(HOSTILE[name])
    answers = [post(serve_once, document) for _ in range(3)]
    status, body, _ = answers[-1]
    assert status == 200 and (body.get("data") is not None or codes(body)), body
    assert "INTERNAL_SERVER_ERROR" not in codes(body)
    fastest = min(seconds for _, _, seconds in answers)  # best of three: a busy machine's pause is not the server's
    assert fastest < ANSWER_S, f"{name}: answered in {fastest:.3f} s at best"


@pytest.fixture
def serve_once(serve: Serve) -> str:
    return serve()


# -- item 2: numeric arguments are range-checked before anything runs ---------------------------------------------
COSTLY = "{ " + " ".join(f'c{i}: customer(id: "sydney") {{ journeys(first: 200) {{ edges {{ node {{ id }} }} }} }}'
                         for i in range(30)) + " }"  # estimated 12,330


def test_a_page_size_out_of_range_refuses_the_whole_request_before_any_resolver(api: Api) -> None:
    before = api.store.round_trips
    for document, variables in [
        ('{ stats { totalNodes } x: customer(id: "sydney") { journeys(first: -100000000) { totalCount } } }', {}),
        ('query($n: Int) { stats { totalNodes } x: customer(id: "sydney") { journeys(first: $n) { totalCount } } }',
         {"n": -100000000}),
        ('{ ...P ...P } fragment P on Query { customer(id: "sydney") { journeys(first: -1) { totalCount } } }', {}),
        (COSTLY.replace("first: 200", "first: -100000000", 1), {}),  # the issue's: inside a query over the budget
    ]:
        status, body = api.gql(document, **variables)
        assert status == 200 and body["data"] is None, body
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert "first: -100000000 is out of range; give 0 to 200 (Customer.journeys)" in body["errors"][0]["message"] \
            or "first: -1 is out of range" in body["errors"][0]["message"]
    assert api.store.round_trips == before  # no resolver ran: nothing reached the store
    error = api.error('query($k: Int!) { similarFeedback(text: "late", k: $k) { score } }', k=101)
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "k: 101 is out of range; give 1 to 100" in str(error)


def test_a_cost_is_never_negative() -> None:
    schema = build_schema()._schema
    over = parse(COSTLY)
    assert [e.extensions["code"] for e in assess(schema, over, None, {}, LIMITS)] == ["QUERY_TOO_COMPLEX"]
    negative = parse('query($n: Int) { customer(id: "x") { journeys(first: $n) { edges { node { id } } } } }')
    errors = assess(schema, negative, None, {"n": -(10**9)}, ApiLimits(max_cost=1))
    assert [e.extensions["code"] for e in errors] == ["BAD_USER_INPUT"]  # refused for its range, not waved through


def test_every_numeric_argument_has_a_range_and_the_doc_lists_them() -> None:
    schema = build_schema()._schema
    numeric = {(type_.name, field_name, argument_name)
               for type_ in schema.type_map.values() if not type_.name.startswith("__")
               for field_name, field in (getattr(type_, "fields", None) or {}).items() if hasattr(field, "args")
               for argument_name, argument in field.args.items()
               if get_named_type(argument.type).name in ("Int", "Float")}
    assert numeric == set(ARGUMENT_RANGES), "add the argument's range to api/complexity.py ARGUMENT_RANGES"
    assert all(low <= high for low, high in ARGUMENT_RANGES.values())
    assert tables_markdown() in DOCS.read_text(), "run: python -m api.complexity docs/api.md"


# -- item 3: aliases count, analytic questions cost what they do ---------------------------------------------------
ANALYTIC = {
    "frictionToCompetitors": '(persona: "trend-seeker") { exposed friction { code } }',
    "affectedCustomers": '(persona: "trend-seeker", friction: "long_wait") { customerId }',
    "journeyMap": '(persona: "trend-seeker") { stages { stage } }',
    "journeyPaths": '(persona: "trend-seeker") { variants { journeys } }',
    "nextSteps": '(customerId: "sydney") { probability }',
    "similarFeedback": '(text: "late") { score }',
    "stakeholderMap": " { quadrant }",
}


@pytest.mark.parametrize("field", sorted(ANALYTIC))
def test_at_most_five_analytic_questions_fit_in_one_request(field: str) -> None:
    assert FIELD_COSTS[("Query", field)] == ANALYTIC_COST
    schema = build_schema()._schema

    def asking(n: int) -> list[str]:
        document = "{ " + " ".join(f"q{i}: {field}{ANALYTIC[field]}" for i in range(n)) + " }"
        return [str(e.extensions["code"]) for e in assess(schema, parse(document), None, {}, LIMITS)]

    assert asking(5) == [] and asking(6) == ["QUERY_TOO_COMPLEX"]
    mixed = "{ " + " ".join(f"{name}{selection}" for name, selection in sorted(ANALYTIC.items())) + " }"
    assert [e.extensions["code"] for e in assess(schema, parse(mixed), None, {}, LIMITS)] == ["QUERY_TOO_COMPLEX"]


def test_four_hundred_aliased_questions_are_refused_unrun(api: Api) -> None:
    before = api.store.round_trips
    many = "{ " + " ".join(f'f{i}: frictionToCompetitors(persona: "trend-seeker") {{ exposed }}'
                           for i in range(400)) + " }"
    error = api.error(many)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX" and api.store.round_trips == before
