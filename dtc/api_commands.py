"""`dtc serve` (the GraphQL API and dashboard) and `dtc schema` (the API's SDL)."""

from __future__ import annotations

import argparse
import sys

from graph.settings import Settings

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("serve", help="serve the GraphQL API, dashboard, /healthz, /readyz and /metrics")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; any other needs DTC_API_KEYS)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(handler=_serve)

    p = subparsers.add_parser("schema", help="print the GraphQL schema (SDL), e.g. dtc schema > api/schema.graphql")
    p.set_defaults(handler=_schema)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from api.auth import KeyRing, check_bind

    check_bind(args.host, KeyRing(settings.api_keys))  # before opening anything: refuse an open public bind
    import uvicorn

    from api.app import create_app
    from dtc.cli import store_from
    from ingest.doors import open_doors

    with store_from(settings) as store:  # opened here so an unreachable store is one clear line, not a traceback
        app = create_app(settings, store, doors=open_doors)
        print(f"dtc: serving {store.url} on http://{args.host}:{args.port} (GraphQL at /graphql); events taken by "
              "POST /events and recordEvent are applied by `dtc worker`", file=sys.stderr)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, proxy_headers=False,
                    server_header=False)
    return EXIT_OK


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from api.schema import sdl

    sys.stdout.write(sdl())
    return EXIT_OK
