"""How much one operation may ask for: the cost of each field, the range of each numeric argument, and one walk that
checks both with the nesting depth, after the document is valid and its variables are coerced, before any resolver.

Cost: a root field costs ROOT_COST unless FIELD_COSTS names it (an analytic question costs ANALYTIC_COST, so that at
most five fit under the default limit of 10,000); another field with a selection costs 1, a scalar 0; a field under a
list counts once per item: the list's page size (first/last/k/limit as asked, else its default), DEFAULT_PAGE for a
connection without one, UNKNOWN_LIST_SIZE for other lists. Aliases are fields of their own. A fragment is costed once
per operation however often it is spread, and a cost stops growing once it passes the limit, so any document within
the token limit is assessed in time linear in its size. Introspection (`__schema`, `__type`) has a flat cost and no
depth here (graphql-core's own MaxIntrospectionDepthRule bounds it).

A NUL character in any text argument refuses the request too (the store cannot keep one).

Adding a numeric argument to the schema means adding its line to ARGUMENT_RANGES (a test checks every Int and Float
argument has one); `python -m api.complexity docs/api.md` rewrites the tables of docs/api.md from this module.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values, get_variable_values

from api.errors import ApiError, ErrorCode
from graph.analytics.funnel import MIN_HITTERS
from graph.analytics.steps import PATH_STEPS, PERIODS, ROWS, WINDOW_DAYS
from graph.feedback import MAX_K
from graph.settings import ApiLimits

ROOT_COST = 10  # every root field is at least one trip to the store
ANALYTIC_COST = 1_800  # a question over many customers' histories: seconds at 1M interactions
UNKNOWN_LIST_SIZE = 10  # a list without a page size (a journey's interactions, a customer's personas, …)
DEFAULT_PAGE, MAX_PAGE = 20, 200
MAX_INT = 2**31 - 1  # GraphQL's Int: the bound where the domain sets none
PAGE_ARGUMENTS = ("first", "last", "k", "limit")

FIELD_COSTS: dict[tuple[str, str], int] = {
    ("Query", "frictionToCompetitors"): ANALYTIC_COST,
    ("Query", "affectedCustomers"): ANALYTIC_COST,
    ("Query", "journeyMap"): ANALYTIC_COST,
    ("Query", "journeyPaths"): ANALYTIC_COST,
    ("Query", "funnel"): ANALYTIC_COST,
    ("Query", "retention"): ANALYTIC_COST,
    ("Query", "nextSteps"): ANALYTIC_COST,
    ("Query", "similarFeedback"): ANALYTIC_COST,
    ("Query", "stakeholderMap"): ANALYTIC_COST,
    ("Query", "stats"): 200,  # one count per label and per relationship type
    ("Query", "customerExport"): 200,  # everything about one person, audited
    ("Query", "nextBestActions"): 100,
    ("Query", "__schema"): 500,  # introspection: answered from memory, whatever its selection
    ("Query", "__type"): 50,
    ("Mutation", "recordEvent"): 100,
    ("Mutation", "setConsent"): 100,
    ("Mutation", "eraseCustomer"): 500,  # the graph, the stream and the rejects files
    ("Subscription", "interactionRecorded"): 100,  # holds a Redis connection while it runs
    ("Subscription", "frictionDetected"): 100,
}

# (type, field, argument) -> (minimum, maximum), inclusive; out of range refuses the whole request (BAD_USER_INPUT)
ARGUMENT_RANGES: dict[tuple[str, str, str], tuple[int, int]] = {
    ("Query", "customers", "first"): (0, MAX_PAGE),
    ("Query", "customers", "last"): (0, MAX_PAGE),
    ("Customer", "journeys", "first"): (0, MAX_PAGE),
    ("Customer", "journeys", "last"): (0, MAX_PAGE),
    ("Query", "frictionToCompetitors", "windowDays"): (1, 3650),
    ("Query", "frictionToCompetitors", "minExposed"): (1, MAX_INT),
    ("Query", "frictionToCompetitors", "limit"): (1, MAX_PAGE),
    ("Query", "affectedCustomers", "windowDays"): (1, 3650),
    ("Query", "affectedCustomers", "limit"): (1, MAX_PAGE),
    ("Query", "journeyPaths", "limit"): ROWS,
    ("Query", "journeyPaths", "maxSteps"): PATH_STEPS,
    ("Query", "funnel", "windowDays"): WINDOW_DAYS,
    ("Query", "funnel", "minHitters"): MIN_HITTERS,
    ("Query", "funnel", "limit"): ROWS,
    ("Query", "retention", "periods"): PERIODS,
    ("Query", "nextSteps", "k"): (1, 50),
    ("Query", "similarFeedback", "k"): (1, MAX_K),
}


def page_size(first: int | None, last: int | None) -> int:
    """The page size a connection serves: `first` or `last`, default DEFAULT_PAGE (ranges: ARGUMENT_RANGES)."""
    if first is not None and last is not None:
        raise ApiError("Give first (with after) or last (with before), not both.", ErrorCode.BAD_USER_INPUT)
    return first if first is not None else last if last is not None else DEFAULT_PAGE


@dataclass
class _Walk:
    """One operation's walk: (cost, height) per selection set, fragments memoised, range errors collected."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Any  # graphql-core's coerced VariableValues
    cap: int
    errors: list[GraphQLError]

    def __post_init__(self) -> None:
        self.memo: dict[tuple[str, bool], tuple[int, int]] = {}

    def selections(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, root: bool) -> tuple[int, int]:
        cost = height = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                c, h = self.field(selection, parent, root)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                c, h = self.selections(selection.selection_set, target or parent, root)
            elif isinstance(selection, FragmentSpreadNode):
                c, h = self.fragment(selection.name.value, parent, root)
            else:  # pragma: no cover - graphql-core has no other selection
                continue
            cost, height = min(self.cap, cost + c), max(height, h)
        return cost, height

    def fragment(self, name: str, parent: GraphQLNamedType, root: bool) -> tuple[int, int]:
        key = (name, root)
        if key not in self.memo:
            self.memo[key] = (0, 0)  # a cycle (reported by the standard rules) adds nothing
            fragment = self.fragments.get(name)
            if fragment is not None:
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                self.memo[key] = self.selections(fragment.selection_set, target, root)
        return self.memo[key]

    def field(self, node: FieldNode, parent: GraphQLNamedType, root: bool) -> tuple[int, int]:
        name = node.name.value
        definition = _field_def(self.schema, parent, name)
        if definition is None:
            return 0, 0  # unknown fields are reported by the standard rules
        arguments = self._arguments(node, parent, definition)
        default = ROOT_COST if root else (1 if node.selection_set else 0)
        own = FIELD_COSTS.get((parent.name, name), default)
        if name.startswith("__"):
            return own, 0  # introspection: a flat cost; its depth is graphql-core's MaxIntrospectionDepthRule's
        if node.selection_set is None:
            return own, 1
        inner, height = self.selections(node.selection_set, _named(definition.type), root=False)
        size = _list_size(name, definition.type, arguments, (parent.name, name))
        return min(self.cap, own + size * inner), height + 1

    def _arguments(self, node: FieldNode, parent: GraphQLNamedType, definition: GraphQLField) -> dict[str, Any]:
        if not definition.args:
            return {}
        try:
            arguments = get_argument_values(definition, node, self.variables)
        except GraphQLError:
            return {}  # a bad literal is reported by the standard rules
        for argument, value in arguments.items():
            if _holds_nul(value):
                self.errors.append(ApiError(
                    f"{argument}: the text holds a NUL character (\\u0000), which the graph store cannot keep; remove "
                    f"it ({parent.name}.{node.name.value}).", ErrorCode.BAD_USER_INPUT, nodes=[node]))
            bounds = ARGUMENT_RANGES.get((parent.name, node.name.value, argument))
            if bounds is not None and value is not None and not bounds[0] <= value <= bounds[1]:
                self.errors.append(ApiError(
                    f"{argument}: {value} is out of range; give {bounds[0]} to {bounds[1]} "
                    f"({parent.name}.{node.name.value}).", ErrorCode.BAD_USER_INPUT, nodes=[node]))
        return arguments


def assess(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
           variables: Mapping[str, Any] | None, limits: ApiLimits) -> list[GraphQLError]:
    """Why the operation may not run (depth, cost, an argument out of range, variables that do not coerce); [] if
    it may. The document must have passed validation."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []  # no such operation: execution says so
    coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables or {}), max_errors=50)
    if isinstance(coerced, list):
        return list(coerced)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return []
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, coerced, limits.max_cost + 1, [])
    cost, depth = walk.selections(operation.selection_set, root, root=True)
    if walk.errors:
        return walk.errors
    return _refusals(operation, cost, depth, limits)


def _refusals(operation: OperationDefinitionNode, cost: int, depth: int, limits: ApiLimits) -> list[GraphQLError]:
    if depth > limits.max_depth:
        return [ApiError(f"The query nests {depth} levels deep, more than the {limits.max_depth} allowed; ask for less "
                         "at once, or split it into several queries.", ErrorCode.QUERY_TOO_COMPLEX, nodes=[operation])]
    if cost > limits.max_cost:
        return [ApiError(
            f"The query's estimated cost is over the limit of {limits.max_cost:,} (an analytic question such as "
            f"frictionToCompetitors costs {ANALYTIC_COST:,}, other root fields {ROOT_COST}, and lists multiply what "
            "they hold by their page size); ask fewer questions per request, or smaller pages, or fewer aliases.",
            ErrorCode.QUERY_TOO_COMPLEX, nodes=[operation])]
    return []


def _holds_nul(value: Any) -> bool:
    """A NUL character anywhere in an argument's value (FalkorDB reads a query's parameters as C text: a NUL ends
    them, and the query fails to parse)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def _field_def(schema: GraphQLSchema, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if name == "__typename":
        return TypeNameMetaFieldDef
    if parent is schema.query_type and name in ("__schema", "__type"):
        return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
    fields = getattr(parent, "fields", None)
    if fields is None or name not in fields:
        return None
    field: GraphQLField = fields[name]
    return field


def _named(type_: GraphQLOutputType) -> GraphQLNamedType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    assert not isinstance(type_, GraphQLNonNull | GraphQLList)
    return type_


def _list_size(name: str, type_: GraphQLOutputType, arguments: Mapping[str, Any], field: tuple[str, str]) -> int:
    """How many items the field's value holds at most (1 for a single object)."""
    for argument in PAGE_ARGUMENTS:
        value = arguments.get(argument)
        if isinstance(value, int):
            low, high = ARGUMENT_RANGES.get((*field, argument), (0, MAX_PAGE))
            return min(max(value, low, 0), high)  # out of range is refused anyway; never negative
    named = _named(type_)
    if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection"):
        return DEFAULT_PAGE
    if name == "edges":
        return 1  # the connection above already counted its page size
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return UNKNOWN_LIST_SIZE if isinstance(type_, GraphQLList) else 1


# -- the tables as docs/api.md shows them --------------------------------------------------------------------------
DOC_START, DOC_END = "<!-- generated by api/complexity.py: start -->", "<!-- generated by api/complexity.py: end -->"


def tables_markdown() -> str:
    """The cost and range tables for docs/api.md."""
    lines = ["| field | cost |", "| --- | --- |"]
    lines += [f"| `{t}.{f}` | {c:,} |" for (t, f), c in sorted(FIELD_COSTS.items())]
    lines += ["| any other root field | 10 |", "| any other field with a selection | 1 |", "| a scalar field | 0 |",
              "", "| argument | range |", "| --- | --- |"]
    lines += [f"| `{t}.{f}({a})` | {low:,} to {high:,} |" for (t, f, a), (low, high) in sorted(ARGUMENT_RANGES.items())]
    return "\n".join([DOC_START, *lines, DOC_END])


def rewrite_doc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(DOC_START) + ".*?" + re.escape(DOC_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no block between {DOC_START!r} and {DOC_END!r}; add one where the tables go.")
    path.write_text(pattern.sub(lambda _: tables_markdown(), text), encoding="utf-8")


if __name__ == "__main__":
    rewrite_doc(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/api.md"))
