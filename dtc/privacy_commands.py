"""Trust commands: consent, the right of access, the right to erasure and the audit trail.

    dtc consent sydney marketing refuse        record a decision (audited)
    dtc consent sydney                         the decision history
    dtc export sydney > sydney.json            everything the twin holds about a person (audited)
    dtc erase sydney [--anonymize]             erase (or anonymize) everywhere, durable before it answers (audited)
    dtc audit [--json] [--customer ID]         the audit trail
    dtc ocel twin.ocel.json                    the twin as an OCEL 2.0 event log for process mining (audited)
    dtc suppression list [--customer ID]       who ingest keeps out after erasure (keyed hashes only)
    dtc suppression lift ID --reason TEXT      let a person's data in again (audited)

The actor recorded in the audit trail is `cli:<login name>` unless --actor says otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from cypher.moments import rfc3339
from dtc.cli import EXIT_OK, store_from
from dtc.output import print_rows
from graph.errors import InputError
from graph.privacy import (
    audit_log,
    consents,
    customer_ref,
    export_customer,
    set_consent,
)
from graph.settings import Settings
from graph.writer_lock import writer_lock

DECISIONS = {"grant": True, "refuse": False}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("consent", help="record a consent decision, or show a customer's consent history")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("purpose", nargs="?", help="marketing, personalization, analytics, profiling, …")
    p.add_argument("decision", nargs="?", choices=sorted(DECISIONS), help="grant or refuse")
    p.add_argument("--source", default="cli", help="where the decision came from (default cli)")
    _actor_option(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_consent)

    p = subparsers.add_parser("export", help="everything the twin holds about a person, as JSON (right of access)")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    _actor_option(p)
    p.set_defaults(handler=_export)

    p = subparsers.add_parser("erase", help="erase a customer from the graph, the stream, rejects and checkpoints")
    p.add_argument("customer", metavar="CUSTOMER_ID")
    p.add_argument("--anonymize", action="store_true",
                   help="keep the interactions for aggregates under a random pseudonym instead of deleting them")
    _actor_option(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=_erase)

    p = subparsers.add_parser("ocel", help="write the twin as an OCEL 2.0 JSON event log (pm4py, Celonis); "
                                           "analytics refusals and personal data left out; audited")
    p.add_argument("file", metavar="FILE", help="where to write the log, e.g. twin.ocel.json")
    _actor_option(p)
    p.set_defaults(handler=_ocel)

    p = subparsers.add_parser("suppression", help="the suppression list: erased people whose data ingest drops")
    sub = p.add_subparsers(dest="suppression_command", required=True, metavar="ACTION")
    q = sub.add_parser("list", help="the entries, oldest first (keyed hashes: no personal data)")
    q.add_argument("--customer", metavar="CUSTOMER_ID", help="only the entries of this erased person")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=_suppression_list)
    q = sub.add_parser("lift", help="take an erased person off the list, so ingest accepts their data again "
                                    "(audited)")
    q.add_argument("customer", metavar="CUSTOMER_ID")
    q.add_argument("--reason", required=True, help="why, for the audit trail (write no personal data here)")
    _actor_option(q)
    q.set_defaults(handler=_suppression_lift)

    p = subparsers.add_parser("audit", help="the audit trail: consent changes, exports, erasures, PII reads")
    p.add_argument("--since", help="only entries at or after this time (RFC 3339 or epoch ms)")
    p.add_argument("--limit", type=int, default=100, help="at most this many of the latest entries (default 100)")
    p.add_argument("--customer", metavar="CUSTOMER_ID", help="only entries about this customer")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_audit)


def _actor_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--actor", help="who acts, for the audit trail (default cli:<login name>)")


def _actor(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid{os.getuid()}"


def _consent(args: argparse.Namespace, settings: Settings) -> int:
    if args.purpose and not args.decision:
        raise InputError(f"Say whether {args.customer!r} grants or refuses {args.purpose!r}: "
                         f"dtc consent {args.customer} {args.purpose} grant|refuse")
    from graph.keys import identity_key

    with store_from(settings) as store:
        if args.decision:
            decision = set_consent(store, args.customer, args.purpose, DECISIONS[args.decision], actor=_actor(args),
                                   source=args.source, subject_key=identity_key(settings),
                                   lock=writer_lock(store, settings))
            history = [decision]
        else:
            history = consents(store, args.customer)
    _print_dated(history, args.json)
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from graph.keys import identity_key

    with store_from(settings) as store:
        export = export_customer(store, args.customer, actor=_actor(args), subject_key=identity_key(settings))
    print(json.dumps(export, indent=2, ensure_ascii=False, default=str))
    if not export:
        print(f"dtc: the twin holds nothing about {args.customer!r}.", file=sys.stderr)
    return EXIT_OK


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.erasure import erase_everywhere

    mode = "ANONYMIZE" if args.anonymize else "ERASE"
    with store_from(settings) as store:
        report = erase_everywhere(store, settings, args.customer, mode, actor=_actor(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return EXIT_OK
    verb = "anonymized" if args.anonymize else "erased"
    elsewhere = ", ".join(f"{k} {v}" for k, v in sorted(report["elsewhere"].items()))
    print(f"{verb} {args.customer}: {report['nodesDeleted']} nodes deleted, {report['propertiesScrubbed']} "
          f"properties scrubbed; outside the graph: {elsewhere or 'nothing'}")
    return EXIT_OK


def _ocel(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from graph.ocel import export_ocel

    target = Path(args.file)
    if target.is_dir():
        raise InputError(f"{args.file} is a directory; give a file name such as {target / 'twin.ocel.json'}.")
    partial = target.with_name(target.name + ".partial")
    with store_from(settings) as store, partial.open("w", encoding="utf-8") as out:
        report = export_ocel(store, out, actor=_actor(args))
    partial.replace(target)  # a reader never sees half a log
    print(f"wrote {target}: {report.events} events, {report.objects} objects ({report.customers} customers; "
          "analytics refusals, merged customers and personal data left out)")
    return EXIT_OK


def _suppression_list(args: argparse.Namespace, settings: Settings) -> int:
    from graph.keys import identity_key
    from graph.suppression import entries

    subject = customer_ref(args.customer, identity_key(settings)) if args.customer else None
    with store_from(settings) as store:
        listed = entries(store, subject)
    _print_dated(listed, args.json)
    return EXIT_OK


def _suppression_lift(args: argparse.Namespace, settings: Settings) -> int:
    from graph.keys import identity_key
    from graph.suppression import lift

    with store_from(settings) as store:
        lifted = lift(store, args.customer, identity_key(settings), actor=_actor(args), reason=args.reason)
    if not lifted:
        print(f"dtc: {args.customer!r} is not on the suppression list; nothing lifted (audited).", file=sys.stderr)
    else:
        print(f"lifted {lifted} suppression entries of {args.customer}: ingest accepts their data again")
    return EXIT_OK


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from cypher import to_epoch_ms

    try:
        since = to_epoch_ms(args.since) if args.since else None
    except ValueError:
        raise InputError(f"--since {args.since!r} is not a time; write e.g. 2024-05-01T10:00:00Z.") from None
    subject = None
    if args.customer:
        from graph.keys import identity_key

        subject = customer_ref(args.customer, identity_key(settings))
    with store_from(settings) as store:
        entries = audit_log(store, since, args.limit, subject=subject)
    _print_dated(entries, args.json)
    return EXIT_OK


def _print_dated(rows: Sequence[Mapping[str, Any]], as_json: bool) -> None:
    """Rows with an epoch-ms `ts`, as JSON (exact) or as a table with the moment written out."""
    if as_json:
        print(json.dumps(rows, indent=2))
    else:
        print_rows([{**r, "ts": None if r["ts"] is None else rfc3339(r["ts"])} for r in rows])
