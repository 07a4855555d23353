"""The GraphQL API and the dashboard (Starlette + strawberry); depends on `graph` only: the ingest side comes in
through the doors the composition root hands to `create_app` (graph/doors.py)."""
