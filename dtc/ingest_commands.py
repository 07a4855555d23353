"""`dtc ingest` (batch files) and `dtc worker` (the live event stream)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph.errors import InputError
from graph.settings import Settings

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "ingest", help="load a catalog, customer files and event files (JSONL/CSV, gzip, - for stdin)",
        description="Exit status: 0 every row ingested; 3 some rows rejected (everything valid was ingested, the "
                    "rejects file lists the others); 4 everything was ingested but the embedded store could not "
                    "compact its append-only file (e.g. a full disk; the data is intact); 1 fatal error; "
                    "2 usage error.")
    p.add_argument("events", nargs="*", metavar="EVENTS_FILE", help="event files (.jsonl, .csv, .gz) or - for stdin")
    p.add_argument("--catalog", type=Path, metavar="FILE", help="catalog YAML or JSON")
    p.add_argument("--customers", type=Path, action="append", default=[], metavar="FILE",
                   help="a customer file (JSONL); repeat for several")
    p.add_argument("--rejects", type=Path, metavar="FILE",
                   help="where bad rows go (JSONL; default <input>.rejects.jsonl beside each input)")
    p.add_argument("--journey-gap", type=float, metavar="DAYS",
                   help="inactivity gap that splits journeys (default $DTC_JOURNEY_GAP_DAYS or 30)")
    p.add_argument("--batch-size", type=int, default=5000, metavar="N", help="events per write (default 5000)")
    p.add_argument("--mapping", type=Path, metavar="FILE",
                   help="YAML mapping of arbitrary CSV columns to the event contract (see docs/ingest.md)")
    p.add_argument("--reject-future", action="store_true",
                   help="reject events more than 5 minutes ahead of the clock (reason future_ts); without it they "
                        "are ingested and counted in the report")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_ingest)

    w = subparsers.add_parser("worker", help="apply events from the Redis Stream (POST /events) to the graph")
    w.add_argument("--name", metavar="CONSUMER", help="consumer name in the group (default host-pid)")
    w.add_argument("--batch-size", type=int, default=1000, metavar="N", help="events per write (default 1000)")
    w.add_argument("--block-ms", type=int, default=200, metavar="MS", help="wait for new events up to MS per read")
    w.add_argument("--claim-idle-ms", type=int, default=30_000, metavar="MS",
                   help="claim entries another consumer left pending this long (a dead worker's)")
    w.add_argument("--once", action="store_true", help="drain what is there and exit")
    w.set_defaults(handler=_worker)


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from ingest.batch import ingest_files

    if args.batch_size < 1:
        raise InputError(f"--batch-size {args.batch_size} must be at least 1.")
    if args.journey_gap is not None and args.journey_gap <= 0:
        raise InputError(f"--journey-gap {args.journey_gap} must be a positive number of days.")
    if not (args.events or args.customers or args.catalog):
        raise InputError("Nothing to ingest: give EVENTS_FILE, --customers FILE or --catalog FILE.")
    for path in [*args.customers, *(Path(e) for e in args.events if e != "-"),
                 *([args.catalog] if args.catalog else []), *([args.mapping] if args.mapping else [])]:
        if not path.is_file():
            raise InputError(f"{path} does not exist or is not a file; check the path.")
    row_reader = None
    if args.mapping:
        from ingest.mapping import load_mapping

        row_reader = load_mapping(args.mapping).row_reader()
    with store_from(settings) as store:
        report = ingest_files(store, settings, catalog=args.catalog, customers=args.customers, events=args.events,
                              rejects=args.rejects, journey_gap_days=args.journey_gap, batch_size=args.batch_size,
                              quiet=args.quiet, row_reader=row_reader, reject_future=args.reject_future)
    print(report.summary())
    if report.compaction_error:
        print(f"dtc: error: {report.compaction_error}", file=sys.stderr)
    return report.exit_code


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from ingest.stream import run_worker

    with store_from(settings) as store:
        run_worker(store, settings, consumer=args.name, batch_size=args.batch_size, block_ms=args.block_ms,
                   claim_idle_ms=args.claim_idle_ms, once=args.once, log=lambda line: print(line, flush=True))
    return EXIT_OK
