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
    p.add_argument("--format", choices=("native", "segment"), default="native",
                   help="native: the twin's event contract (JSONL/CSV); segment: Segment or RudderStack messages, "
                        "one a line (see docs/segment.md)")
    p.add_argument("--mapping", type=Path, metavar="FILE",
                   help="YAML mapping of arbitrary CSV columns to the event contract (see docs/ingest.md); with "
                        "--format segment, overrides of the Segment mapping (docs/segment.md)")
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
    w.add_argument("--timeout-s", type=float, default=10.0, metavar="S",
                   help="a Redis call that takes longer fails and is retried with backoff (default 10)")
    w.add_argument("--once", action="store_true", help="drain what is there and exit")
    w.set_defaults(handler=_worker)

    d = subparsers.add_parser("deadletters", help="stream entries the worker could not apply after 3 deliveries: "
                                                  "list, replay or drop them")
    actions = d.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("list", help="the dead letters, oldest first, with the reason each failed")
    a.add_argument("--limit", type=int, default=100, metavar="N", help="at most N (default 100)")
    a.add_argument("--json", action="store_true", help="print JSON, with each entry's event (personal data)")
    a.set_defaults(handler=_deadletters_list)
    for action, what in (("replay", "put back on the event stream, once it passes validation and the suppression "
                                    "list (events of erased people are dropped)"), ("drop", "delete")):
        a = actions.add_parser(action, help=f"{what}: the dead letters named, or --all")
        a.add_argument("ids", nargs="*", metavar="ID", help="dead-letter ids, as `dtc deadletters list` shows them")
        a.add_argument("--all", action="store_true", help="every dead letter")
        a.set_defaults(handler=_deadletters_replay if action == "replay" else _deadletters_drop)


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
    row_reader, segment = None, None
    if args.format == "segment":
        from ingest.segment_mapping import load_segment_mapping

        segment = load_segment_mapping(args.mapping)
    elif args.mapping:
        from ingest.mapping import load_mapping

        row_reader = load_mapping(args.mapping).row_reader()
    with store_from(settings) as store:
        report = ingest_files(store, settings, catalog=args.catalog, customers=args.customers, events=args.events,
                              rejects=args.rejects, journey_gap_days=args.journey_gap, batch_size=args.batch_size,
                              quiet=args.quiet, row_reader=row_reader, reject_future=args.reject_future,
                              segment=segment)
    print(report.summary())
    if report.compaction_error:
        print(f"dtc: error: {report.compaction_error}", file=sys.stderr)
    return report.exit_code


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from ingest.stream import run_worker

    with store_from(settings) as store:
        run_worker(store, settings, consumer=args.name, batch_size=args.batch_size, block_ms=args.block_ms,
                   claim_idle_ms=args.claim_idle_ms, once=args.once, log=lambda line: print(line, flush=True),
                   timeout_s=args.timeout_s)
    return EXIT_OK


def _deadletters_list(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from dtc.output import JSON, TABLE, print_rows
    from ingest.reasons import reject_code
    from ingest.stream import EventStream

    if args.limit < 1:
        raise InputError(f"--limit {args.limit} must be at least 1.")
    with store_from(settings, schema=False) as store:
        letters = EventStream.connect(store, settings).dead_letters.list(limit=args.limit)
    if args.json:
        print_rows([letter.to_json() for letter in letters], JSON)
    else:
        print_rows([{"id": x.id, "entry": x.entry_id, "deliveries": x.deliveries, "code": reject_code(x.reason),
                     "event_id": (x.event or {}).get("event_id"), "reason": x.reason} for x in letters], TABLE)
    return EXIT_OK


def _deadletters_replay(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from ingest.stream import EventStream

    ids = _chosen(args)
    with store_from(settings) as store:
        report = EventStream.connect(store, settings).dead_letters.replay(store, settings, ids)
    print(report.summary())
    for letter_id, errors in report.still_invalid:
        print(f"  {letter_id}: {'; '.join(errors)}")
    return EXIT_OK if not report.missing else 1


def _deadletters_drop(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from ingest.stream import EventStream

    ids = _chosen(args)
    with store_from(settings, schema=False) as store:
        letters = EventStream.connect(store, settings).dead_letters
        dropped = letters.drop(ids or [x.id for x in letters.list()])
    print(f"deadletters: dropped {dropped}")
    return EXIT_OK


def _chosen(args: argparse.Namespace) -> list[str]:
    """The dead-letter ids named; empty for --all (a usage error when neither or both are given)."""
    if bool(args.ids) == bool(args.all):
        raise InputError(f"Name the dead letters to {args.action} (ids from `dtc deadletters list`), or give --all.")
    return list(args.ids)
