"""The GraphQL schema: Query, Mutation and Subscription with the API's error policy, limits and deadline.

Every operation, over HTTP or a WebSocket, is parsed (at most DTC_API_MAX_TOKENS tokens), validated by graphql-core's
rules and assessed by api/complexity.py (depth, cost, argument ranges, with its variables coerced) in a worker thread,
never on the event loop, before any resolver runs; its store reads then run under the API's deadline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

import graphql.validation.rules.overlapping_fields_can_be_merged as overlapping_fields
import strawberry
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from graphql.validation import ASTValidationRule
from starlette.concurrency import run_in_threadpool
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult

from api.complexity import assess
from api.errors import ErrorCodes, with_codes
from api.resolvers.mutation import Mutation
from api.resolvers.query import Query
from api.subscriptions import Subscription
from api.types.scalars import DATETIME
from graph.settings import ApiLimits
from graph.store import read_deadline

CACHED_DOCUMENTS = 256
# graphql-core's budget for comparing same-named fields (OverlappingFieldsCanBeMergedRule), 500,000 by default: a
# 2,000-token document that repeats one field spent a second of it; the dashboard's and GraphiQL's documents spend 0
OVERLAP_BUDGET = 5_000
# a placeholder for a document that did not parse, so strawberry does not parse it again on the event loop
_UNPARSED = parse("{ __typename }")


class TwinSchema(strawberry.Schema):
    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Every error gets its code, also those raised where the ErrorCodes extension cannot see them."""
        result = await super().execute(*args, **kwargs)
        if result.errors:
            context = kwargs.get("context_value", args[2] if len(args) > 2 else None)
            result.errors = with_codes(result.errors, context)
        return result

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Expected errors are the caller's business; internal ones are logged by ErrorCodes with the request id."""


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _parse(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _validate(schema: GraphQLSchema, document: DocumentNode,
              rules: tuple[type[ASTValidationRule], ...]) -> list[GraphQLError]:
    # frontends send the same few documents over and over: each is parsed and validated once
    return validate_document(schema, document, rules)


class CheckedOffTheLoop(SchemaExtension):
    """Parse, validate and assess each operation in a worker thread; the event loop only awaits the answer."""

    def __init__(self, limits: ApiLimits) -> None:
        self.limits = limits

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            try:
                context.graphql_document = await run_in_threadpool(_parse, context.query, self.limits.max_tokens)
            except GraphQLError as e:
                context.graphql_document, context.pre_execution_errors = _UNPARSED, [e]
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            context.pre_execution_errors = await run_in_threadpool(self._check, context)
        yield

    def _check(self, context: ExecutionContext) -> list[GraphQLError]:
        schema, document = context.schema._schema, context.graphql_document
        assert document is not None
        errors = _validate(schema, document, tuple(context.validation_rules))
        return errors or assess(schema, document, context.operation_name, context.variables, self.limits)


class Deadline(SchemaExtension):
    """Every store read an operation makes (a subscription's, per pushed event) stops at the API's deadline."""

    def __init__(self, limits: ApiLimits) -> None:
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        with read_deadline(self.limits.deadline_ms):
            yield


def build_schema(limits: ApiLimits | None = None) -> strawberry.Schema:
    limits = limits or ApiLimits()
    overlapping_fields.MAX_COMPLEXITY_BUDGET = OVERLAP_BUDGET  # graphql-core reads it at each validation

    def tokens() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=limits.max_tokens)

    def checked() -> SchemaExtension:
        return CheckedOffTheLoop(limits)

    def deadline() -> SchemaExtension:
        return Deadline(limits)

    # ErrorCodes first: extensions unwind in reverse, so it sees the errors of all the others
    return TwinSchema(query=Query, mutation=Mutation, subscription=Subscription,
                      scalar_overrides={datetime: DATETIME},
                      extensions=[ErrorCodes, tokens, deadline, checked])


def sdl() -> str:
    """The schema in SDL, as `dtc schema` prints it and api/schema.graphql holds it."""
    return build_schema().as_str() + "\n"
