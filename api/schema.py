"""The GraphQL schema: Query, Mutation and Subscription with the API's error policy and limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext, ExecutionResult

from api.errors import ErrorCodes, with_codes
from api.limits import Limits, complexity_rule
from api.resolvers.mutation import Mutation
from api.resolvers.query import Query
from api.subscriptions import Subscription
from api.types.scalars import DATETIME

CACHED_DOCUMENTS = 256


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


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    rule = complexity_rule(limits)

    def tokens() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=limits.max_tokens)

    def complexity() -> SchemaExtension:
        return AddValidationRules([rule])

    def validated() -> SchemaExtension:
        return ValidationCache(maxsize=CACHED_DOCUMENTS)

    # ErrorCodes first: extensions unwind in reverse, so it sees the errors of all the others. Frontends send the
    # same few documents over and over: validating each (limits included) once saves most of the cost.
    return TwinSchema(query=Query, mutation=Mutation, subscription=Subscription,
                      scalar_overrides={datetime: DATETIME},
                      extensions=[ErrorCodes, tokens, complexity, validated])


def sdl() -> str:
    """The schema in SDL, as `dtc schema` prints it and api/schema.graphql holds it."""
    return build_schema().as_str() + "\n"
