"""Ingest jobs: validate, resolve identities and link raw interactions into journeys; writes through `graph`."""
