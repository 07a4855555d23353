"""`dtc`, the twin's command line. Each package contributes its commands through a `register(subparsers)` function;
this module owns the global options, the store's lifetime and the error policy (one clear line, no traceback,
unless --debug).

    dtc --store embedded://./x stats --json
    dtc cypher run friction-to-competitors --param persona=trend-seeker --json
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType
from typing import Any

import cypher
from dtc.output import CSV, JSON, TABLE, print_rows
from graph.errors import InputError, NamedQueryError, TwinError, WriteRefusedError
from graph.settings import Settings
from graph.store import GraphStore, open_store

# packages that add commands; each module has register(subparsers)
COMMAND_MODULES: tuple[str, ...] = ("dtc.cli", "dtc.privacy_commands", "dtc.api_commands", "dtc.ingest_commands",
                                   "dtc.demo_commands", "dtc.intelligence_commands", "dtc.store_commands",
                                   "dtc.state_commands")

EXIT_OK, EXIT_FATAL, EXIT_USAGE = 0, 1, 2
LONG_RUNNING = {"serve", "worker", "demo", "personas", "enrich"}  # commands whose slow store calls are logged
Handler = Callable[[argparse.Namespace, Settings], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.command not in LONG_RUNNING and not args.debug:
        # a one-shot command (stats, cypher, ingest ...) is the only user of the store while it runs and reports its
        # own time; its stderr is for errors. Servers, the worker and background jobs log calls that hold the store.
        logging.getLogger("dtc.store.slow").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so `finally` blocks stop the embedded server cleanly
    try:
        settings = Settings.from_env()
        if args.store:
            settings = settings.with_graph_url(args.store)
        handler: Handler = args.handler
        return handler(args, settings)
    except (NamedQueryError, cypher.NamedQueryError, InputError) as e:
        return _fail(args, e, EXIT_USAGE)
    except WriteRefusedError as e:
        return _fail(args, e, EXIT_USAGE, "This query writes; add --write to run it.")
    except TwinError as e:
        return _fail(args, e, EXIT_FATAL)
    except KeyboardInterrupt:
        print("dtc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the last line of defence: one line, the traceback only on --debug
        if args.debug:
            raise
        print(f"dtc: unexpected {type(e).__name__}: {e} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_FATAL


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dtc", description="Customer Twin: a graph-based digital twin of customers.")
    parser.add_argument("--store", metavar="URL",
                        help="graph store URL (default $DTC_GRAPH_URL or embedded://./.dtc): embedded://DIR, "
                             "falkordb://host:port, bolt://host:port, neo4j://host:port")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


@contextmanager
def store_from(settings: Settings, *, schema: bool = True) -> Iterator[GraphStore]:
    """Open the store for one command (creating the schema unless told not to) and always close it."""
    store = open_store(settings)
    try:
        if schema:
            store.ensure_schema()
        yield store
    finally:
        store.close()


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"--param {pair!r} is not NAME=VALUE.")
        params[name] = value
    return params


# -- the store-level commands ---------------------------------------------------------------------------------
def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("init", help="create the schema (constraints and indexes) and wait until it is ready")
    p.set_defaults(handler=_init)

    p = subparsers.add_parser("stats", help="node count per label and relationship count per type")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--fingerprint", action="store_true",
                   help="also print the journey fingerprint: equal for graphs built from the same events in any "
                        "order (graph/fingerprint.py)")
    p.set_defaults(handler=_stats)

    p = subparsers.add_parser("cypher", help="the analysts' named queries, and ad-hoc Cypher")
    sub = p.add_subparsers(dest="cypher_command", required=True, metavar="ACTION")
    q = sub.add_parser("list", help="list the named queries with their parameters")
    q.add_argument("--json", action="store_true")
    q.add_argument("--all", action="store_true", help="include the twin's internal queries (audience: internal)")
    q.set_defaults(handler=_cypher_list)
    q = sub.add_parser("run", help="run a named query: dtc cypher run NAME --param k=v …")
    q.add_argument("name")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    add_output_options(q)
    q.set_defaults(handler=_cypher_run)
    q = sub.add_parser("query", help="run ad-hoc Cypher (read-only unless --write)")
    q.add_argument("text")
    q.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter; the value is read as JSON when it parses, else as a string")
    add_output_options(q)
    q.add_argument("--write", action="store_true", help="allow the query to change the graph")
    q.set_defaults(handler=_cypher_query)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--json (exact values) or --csv (for spreadsheets); a readable table without either."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", action="store_const", dest="output", const=JSON,
                       help="print the rows as a JSON array, values exactly as stored")
    group.add_argument("--csv", action="store_const", dest="output", const=CSV,
                       help="print CSV with a header row (datetimes as ISO 8601 UTC, nested values as JSON)")
    parser.set_defaults(output=TABLE)


def _init(args: argparse.Namespace, settings: Settings) -> int:
    with store_from(settings) as store:
        print(f"schema ready on {store.url}")
    return EXIT_OK


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from graph.fingerprint import fingerprint

    with store_from(settings) as store:
        stats = store.stats()
        if args.fingerprint:
            stats["fingerprint"] = fingerprint(store)
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        print(f"{stats['store']}: {stats['total_nodes']} nodes, {stats['total_relationships']} relationships")
        for kind in ("nodes", "relationships"):
            for name, count in stats[kind].items():
                if count:
                    print(f"  {name:<16} {count}")
        if args.fingerprint:
            print(f"  fingerprint      {stats['fingerprint']}")
    return EXIT_OK


def _cypher_list(args: argparse.Namespace, settings: Settings) -> int:
    queries = cypher.load_all(internal=args.all)
    if args.json:
        print(json.dumps([{"name": q.name, "mode": q.mode, "description": q.description,
                           "params": [{"name": p.name, "type": p.type, "required": p.required,
                                       "default": None if p.required else p.default} for p in q.params]}
                          for q in queries], indent=2))
        return EXIT_OK
    for q in queries:
        params = ", ".join(p.name if p.required else f"{p.name}={json.dumps(p.default)}" for p in q.params)
        print(f"{q.name} ({q.mode}) [{params}]\n    {q.description}")
    return EXIT_OK


def _cypher_run(args: argparse.Namespace, settings: Settings) -> int:
    from graph.codes import require_known
    from graph.ontology import Label

    named = cypher.load(args.name)
    bound = named.bind(parse_params(args.param))  # refuse bad parameters before touching the store
    with store_from(settings) as store:
        rows = store.run(args.name, parse_params(args.param))
        if not rows:  # an empty answer may be a mistyped code: say so rather than print (no rows)
            for p in named.params:
                if p.refers_to is not None:
                    require_known(store, Label(p.refers_to[0]), bound[p.name])
    print_rows(rows, args.output, named.returns)
    return EXIT_OK


def _cypher_query(args: argparse.Namespace, settings: Settings) -> int:
    params = {name: _json_or_text(value) for name, value in parse_params(args.param).items()}
    with store_from(settings) as store:
        rows = store.write(args.text, params) if args.write else store.read(args.text, params)
    print_rows(rows, args.output)
    return EXIT_OK


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _fail(args: argparse.Namespace, error: Exception, code: int, message: str | None = None) -> int:
    if getattr(args, "debug", False):
        raise error
    print(f"dtc: error: {message or error}", file=sys.stderr)
    return code


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
