"""The GraphQL API and the dashboard (Starlette + strawberry); depends on `graph` and `ingest`."""
