"""The journey dashboard (server-rendered pages, static assets, vendored chart library)."""
