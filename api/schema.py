"""The GraphQL schema: Query, Mutation and Subscription with the API's error policy and limits."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from api.errors import ErrorCodes
from api.limits import Limits, complexity_rule
from api.resolvers.mutation import Mutation
from api.resolvers.query import Query
from api.subscriptions import Subscription
from api.types.scalars import DATETIME

CACHED_DOCUMENTS = 256


class TwinSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Expected errors are the caller's business; internal ones are logged by ErrorCodes with the request id."""


def build_schema(limits: Limits | None = None) -> strawberry.Schema:
    limits = limits or Limits()
    rule = complexity_rule(limits)

    def tokens() -> SchemaExtension:
        return MaxTokensLimiter(max_token_count=limits.max_tokens)

    def complexity() -> SchemaExtension:
        return AddValidationRules([rule])

    def parsed() -> SchemaExtension:
        return ParserCache(maxsize=CACHED_DOCUMENTS)

    def validated() -> SchemaExtension:
        return ValidationCache(maxsize=CACHED_DOCUMENTS)

    # ErrorCodes first: extensions unwind in reverse, so it sees the errors of all the others. Frontends send the
    # same few documents over and over: parsing and validating (limits included) each once saves most of the cost.
    return TwinSchema(query=Query, mutation=Mutation, subscription=Subscription,
                      scalar_overrides={datetime: DATETIME},
                      extensions=[ErrorCodes, tokens, parsed, complexity, validated])


def sdl() -> str:
    """The schema in SDL, as `dtc schema` prints it and api/schema.graphql holds it."""
    return build_schema().as_str() + "\n"
