"""`dtc verify`: the live state (docs/graph-model.md "Live state") recomputed from the interactions and compared.

    dtc verify                  every difference, one a line; exit 1 when there is one
    dtc verify --repair         rebuild the state from the interactions when it differs, then check again
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from dtc.cli import EXIT_FATAL, EXIT_OK, store_from
from graph.live_state.repair import rebuild
from graph.live_state.verify import verify
from graph.settings import Settings
from graph.writer_lock import writer_lock

SHOWN = 50  # differences printed without --json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = subparsers.add_parser(
        "verify", help="recompute the live state from the interactions and report every difference (exit 1 if any)")
    verify.add_argument("--repair", action="store_true", help="when the state differs, rebuild it from the "
                        "interactions (holding the writers' lock) and check again")
    verify.add_argument("--json", action="store_true", help="print the differences as JSON")
    verify.set_defaults(handler=_verify)


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    with store_from(settings) as store:
        differences = verify(store)
        rebuilt = None
        if differences and args.repair:
            with writer_lock(store, settings).hold():
                rebuilt = rebuild(store)
                differences = verify(store)
    if args.json:
        print(json.dumps({"differences": [asdict(d) for d in differences], "rebuilt": rebuilt}, indent=2,
                         default=str))
    else:
        if rebuilt is not None:
            print(f"rebuilt the live state of {rebuilt} customers")
        for difference in differences[:SHOWN]:
            print(difference)
        if len(differences) > SHOWN:
            print(f"... and {len(differences) - SHOWN} more (--json lists them all)")
        print(f"live state: {len(differences)} difference(s)" if differences else "live state: exact",
              file=sys.stderr if differences else sys.stdout)
    return EXIT_FATAL if differences else EXIT_OK
