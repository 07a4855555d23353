"""`dtc store status|stop|compact`: the embedded server's lifetime, for operators.

An embedded server stays up for DTC_EMBEDDED_IDLE_S seconds (default 300) after its last user leaves, so
consecutive commands attach to it instead of each starting one; `dtc store stop` stops an idle one at once.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from graph.errors import InputError, StoreError
from graph.settings import Settings

EXIT_OK, EXIT_FATAL = 0, 1
COMPACT_WAIT_S = 3600.0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("store", help="the embedded store's server: status, stop, compact")
    sub = p.add_subparsers(dest="store_command", required=True, metavar="ACTION")
    q = sub.add_parser("status", help="is the embedded server running, for whom, and until when")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=_status)
    q = sub.add_parser("stop", help="stop the embedded server now (compacting first) unless a process uses it")
    q.set_defaults(handler=_stop)
    q = sub.add_parser("compact", help="rewrite the store's append-only file as a snapshot (after a failed one)")
    q.set_defaults(handler=_compact)


def _embedded_dir(settings: Settings, action: str) -> Path:
    data_dir = settings.embedded_dir
    if data_dir is None:
        raise InputError(f"`dtc store {action}` manages an embedded store, and the store is {settings.graph_url}; "
                         "give --store embedded://DIR.")
    return data_dir


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from graph.embedded import server_status

    data_dir = _embedded_dir(settings, "status")
    status = server_status(data_dir) if data_dir.is_dir() else None
    if args.json:
        print(json.dumps(None if status is None else {
            "pid": status.pid, "port": status.port, "inUse": status.in_use, "idleSeconds": status.idle_s,
            "loading": status.loading, "answering": status.answering}))
    elif status is None:
        print(f"not running ({data_dir})")
    else:
        use = "in use" if status.in_use else f"idle, stops after {status.idle_s:g} s without a user"
        print(f"running ({data_dir}): pid {status.pid}, port {status.port}, {use}"
              + (", loading its data" if status.loading else "")
              + ("" if status.answering else ", not answering within 1 s (busy, or starting)"))
    return EXIT_OK


def _stop(args: argparse.Namespace, settings: Settings) -> int:
    from graph.embedded import stop_server

    data_dir = _embedded_dir(settings, "stop")
    outcome = stop_server(data_dir) if data_dir.is_dir() else "not running"
    if outcome == "in use":
        raise StoreError(f"The embedded store in {data_dir} is in use by another process (a command, `dtc serve` or "
                         "`dtc worker`); it stops once the last one has left and it stayed idle.")
    print(f"{outcome} ({data_dir})")
    return EXIT_OK


def _compact(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from

    with store_from(settings, schema=False) as store:
        done = store.compact(wait_s=COMPACT_WAIT_S)
    print(f"compacted ({store.url})" if done else f"compaction still running after {COMPACT_WAIT_S:.0f} s "
          f"({store.url}); it goes on in the server")
    return EXIT_OK if done else EXIT_FATAL
