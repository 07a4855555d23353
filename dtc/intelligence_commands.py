"""`dtc enrich`, `dtc personas assign`, `dtc frictions suggest`, `dtc feedback similar` and `dtc predict`: the
twin's understanding of text, its dynamic personas and its predictions.

    dtc enrich                               embed every text not embedded yet (each distinct text once)
    dtc personas assign --at 2024-10-01T00:00:00Z
    dtc frictions suggest --min-size 5 --json
    dtc feedback similar "my parcel came a week late" --persona trend-seeker
    dtc predict sydney                       next steps and next best actions of one customer

The model loads inside the handlers, so `dtc --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

import cypher
from graph.errors import InputError
from graph.settings import Settings
from graph.writer_lock import writer_lock

EXIT_OK = 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from dtc.cli import add_output_options

    p = subparsers.add_parser("enrich", help="embed the texts that have no embedding yet (verbatims, personas, "
                                             "insights, frictions); safe to run at any time")
    p.add_argument("--batch-size", type=int, default=64, help="texts per model batch (default 64)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=_enrich)

    p = subparsers.add_parser("personas", help="dynamic persona assignments")
    sub = p.add_subparsers(dest="personas_command", required=True, metavar="ACTION")
    q = sub.add_parser("assign", help="score every customer against every persona and update model assignments "
                                      "(history kept; declared ones untouched)")
    q.add_argument("--at", help="the moment to score at: epoch ms or RFC 3339 (default now)")
    q.add_argument("--no-enrich", action="store_true", help="skip embedding new texts first")
    q.add_argument("--json", action="store_true", help="print the report as JSON")
    q.set_defaults(handler=_personas_assign)

    p = subparsers.add_parser("frictions", help="friction discovery")
    sub = p.add_subparsers(dest="frictions_command", required=True, metavar="ACTION")
    q = sub.add_parser("suggest", help="cluster negative verbatims without a friction code into candidate "
                                       "friction points, with example texts, for a person to accept")
    q.add_argument("--threshold", type=float, default=None, help="cosine similarity that joins two texts "
                                                                    "(default 0.5)")
    q.add_argument("--min-size", type=int, default=3, help="interactions a candidate needs (default 3)")
    q.add_argument("--limit", type=int, default=10, help="candidates to show (default 10)")
    q.add_argument("--since", help="only verbatims from this moment on: epoch ms or RFC 3339")
    q.add_argument("--json", action="store_true", help="print the candidates as JSON")
    q.set_defaults(handler=_frictions_suggest)

    p = subparsers.add_parser("feedback", help="semantic search over verbatims")
    sub = p.add_subparsers(dest="feedback_command", required=True, metavar="ACTION")
    q = sub.add_parser("similar", help="the verbatims closest in meaning to a text")
    q.add_argument("text")
    q.add_argument("-k", type=int, default=5, help="matches to return (default 5)")
    q.add_argument("--persona", help="only verbatims given while the customer showed this persona")
    add_output_options(q)
    q.set_defaults(handler=_feedback_similar)

    p = subparsers.add_parser("predict", help="a customer's likely next steps and next best actions")
    p.add_argument("customer_id")
    p.add_argument("-k", type=int, default=3, help="next steps to show (default 3)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_predict)


def _enrich(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from graph.embeddings import embedder_from
    from graph.enrichment import enrich

    if args.batch_size < 1:
        raise InputError(f"--batch-size {args.batch_size} must be at least 1.")
    with store_from(settings) as store:
        report = enrich(store, embedder_from(settings), batch_size=args.batch_size)
    _print_report(asdict(report), args.json, f"enriched with {report.model}: {report.nodes} texts "
                  f"({report.texts} distinct), {report.computed} embeddings computed, {report.reused} reused, "
                  f"{report.linked} links in {report.seconds:.1f} s")
    return EXIT_OK


def _personas_assign(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from graph.embeddings import embedder_from
    from graph.enrichment import enrich
    from graph.personas import assign_personas, scoring_checkpoint

    at = _moment(args.at, "--at")
    embedder = embedder_from(settings)
    with store_from(settings) as store:
        if not args.no_enrich:
            enrich(store, embedder)
        report = assign_personas(store, embedder, at=at, checkpoint=scoring_checkpoint(settings),
                                 progress=_scoring_progress if sys.stderr.isatty() else None,
                                 lock=writer_lock(store, settings))
        if report.resumed:
            print(f"resumed a run cut off after {report.resumed} customers (scoring at {report.at})",
                  file=sys.stderr)
    summary = (f"{report.customers} customers scored against {report.personas} personas "
               f"(parts: {', '.join(report.parts) or 'none'}): {report.opened} assignments opened, "
               f"{report.closed} closed, {report.unchanged} unchanged; {report.refused_profiling} skipped "
               f"(profiling refused) in {report.seconds:.1f} s")
    if report.personas < 2:
        summary = f"nothing assigned: scoring needs at least two personas in the catalog, found {report.personas}"
    _print_report(asdict(report), args.json, summary)
    return EXIT_OK


def _scoring_progress(done: int, total: int) -> None:
    """One line on the terminal, rewritten after each step."""
    print(f"\r\x1b[2Kscoring personas: {done}/{total} customers", end="" if done < total else "\n",
          file=sys.stderr, flush=True)


def _frictions_suggest(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from graph.embeddings import embedder_from
    from graph.feedback import CLUSTER_THRESHOLD, suggest_frictions

    threshold = CLUSTER_THRESHOLD if args.threshold is None else args.threshold
    if not 0 < threshold < 1:
        raise InputError(f"--threshold {threshold} must be between 0 and 1 (e.g. 0.5).")
    with store_from(settings) as store:
        candidates = suggest_frictions(store, embedder_from(settings), threshold=threshold, min_size=args.min_size,
                                       limit=args.limit, since=_moment(args.since, "--since"))
    if args.json:
        print(json.dumps([asdict(c) for c in candidates], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not candidates:
        print("no candidate frictions (run `dtc enrich` first if verbatims were ingested since)")
    for c in candidates:
        print(f"{c.code}: {c.size} interactions, {c.texts} distinct texts, cohesion {c.cohesion:.2f}, "
              f"touchpoint {c.touchpoint or '-'}")
        for example in c.examples:
            print(f"    - {example}")
    return EXIT_OK


def _feedback_similar(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from dtc.output import print_rows
    from graph.embeddings import embedder_from
    from graph.feedback import similar_feedback

    with store_from(settings) as store:
        matches = similar_feedback(store, embedder_from(settings), args.text, k=args.k, persona=args.persona)
    print_rows([asdict(m) for m in matches], args.output)
    return EXIT_OK


def _predict(args: argparse.Namespace, settings: Settings) -> int:
    from dtc.cli import store_from
    from dtc.output import print_rows
    from graph.actions import next_best_actions
    from graph.prediction import next_steps

    with store_from(settings) as store:
        steps = next_steps(store, args.customer_id, k=args.k)
        actions = next_best_actions(store, args.customer_id)
    if args.json:
        print(json.dumps({"nextSteps": [asdict(s) for s in steps], "nextBestActions": [asdict(a) for a in actions]},
                         indent=2, ensure_ascii=False))
        return EXIT_OK
    print("next steps:")
    print_rows([asdict(s) for s in steps])
    print("next best actions:")
    print_rows([{"action": a.action, "kind": a.kind, "reason": a.reason} for a in actions])
    return EXIT_OK


def _moment(value: str | None, option: str) -> int | None:
    if value is None:
        return None
    try:
        return cypher.to_epoch_ms(value)
    except ValueError as e:
        raise InputError(f"{option} {value!r} is not a moment: give epoch ms or RFC 3339 like "
                         f"2024-10-01T00:00:00Z ({e}).") from e


def _print_report(report: dict[str, Any], as_json: bool, summary: str) -> None:
    print(json.dumps(report, indent=2) if as_json else summary)
