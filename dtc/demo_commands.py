"""`dtc generate` (demo data with known answers) and `dtc demo` (what `make run` runs).

    dtc generate demo-data --customers 3000 --seed 7
    dtc demo                      # the twin with the demo set, API and dashboard on http://127.0.0.1:8000

`dtc demo`, when the store is empty, generates the demo set into <state dir>/demo-data and ingests it (seconds),
then serves, so no client ever sees a half-loaded twin (customers without their events answer every question with
nothing); embeddings and model personas are computed afterwards in a background thread. A stream worker runs beside
the API, so events taken by `POST /events` and `recordEvent` reach the graph and the subscriptions. A second run finds
the data and only serves; a run interrupted while loading resumes (ingest is idempotent).
Ctrl-C stops the server, the worker, the loader and the embedded graph server cleanly.
"""

from __future__ import annotations

import argparse
import json
import shlex
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from graph.errors import ConfigError, InputError
from graph.settings import Settings
from graph.store import GraphStore, open_store
from graph.writer_lock import writer_lock

DEMO_CUSTOMERS = 3000
DEMO_SEED = 7
STATE_FILE = "demo-state.json"  # {"status": "loading" | "loaded", ...} beside the generated files


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("generate", help="write demo data with planted effects (catalog, customers, events, "
                                               "truth.json) in the contract format")
    p.add_argument("outdir", type=Path, help="directory to write into (created if missing)")
    p.add_argument("--customers", type=int, default=DEMO_CUSTOMERS, help=f"how many customers (default "
                                                                          f"{DEMO_CUSTOMERS}; ~11.6 events each)")
    p.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed: the same seed gives the same files")
    p.add_argument("--gzip", action="store_true", help="write events.jsonl.gz")
    p.add_argument("--no-sydney", action="store_true", help="leave the Sydney example out")
    p.set_defaults(handler=_generate)

    p = subparsers.add_parser("demo", help="serve the twin with the demo data set, API and dashboard (make run)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--customers", type=int, default=DEMO_CUSTOMERS, help="size of the demo set when it is created")
    p.add_argument("--seed", type=int, default=DEMO_SEED)
    p.add_argument("--no-enrich", action="store_true", help="skip embeddings and model personas (faster start)")
    p.set_defaults(handler=_demo)


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from ingest.generator import generate

    report = generate(args.outdir, customers=args.customers, seed=args.seed, gzip_events=args.gzip,
                      include_sydney=not args.no_sydney)
    print(f"wrote {report.customers} customers and {report.events} events ({report.switches} switches) to "
          f"{report.outdir} in {report.seconds:.1f} s")
    for effect in report.effects:
        print(f"  planted: {effect.persona} hitting {effect.friction} switches to {effect.competitor} within "
              f"{effect.window_days} days")
    command = ["dtc", "ingest", "--catalog", str(report.catalog_path), "--customers", str(report.customers_path),
               str(report.events_path)]
    print(f"ingest with: {shlex.join(command)}")
    return 0


# -- dtc demo ---------------------------------------------------------------------------------------------------------
def _demo(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app
    from ingest.doors import open_doors
    from ingest.stream import WorkerThread

    _refuse_busy_port(args.host, args.port)
    data_dir = settings.state_dir / "demo-data"
    store = open_store(settings)  # waits while an embedded server loads its saved data
    loader: DemoLoader | None = None
    worker: WorkerThread | None = None
    try:
        store.ensure_schema()
        app = create_app(settings, store=store, doors=open_doors)  # the API's app serves the dashboard at / too
        loader = DemoLoader(settings, data_dir, customers=args.customers, seed=args.seed, enrich=not args.no_enrich)
        loader.start_if_needed(store)
        worker = WorkerThread(store, settings, log=_say)  # applies what POST /events and recordEvent queue
        worker.start()
        _print_welcome(args.host, args.port, data_dir, enriching=loader.is_alive())
        config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", lifespan="auto")
        uvicorn.Server(config).run()  # returns on Ctrl-C or SIGTERM, after a graceful shutdown
    finally:
        if worker is not None:
            worker.stop()
        if loader is not None:
            loader.stop()
        store.close()  # the last user stops the embedded server, flushing its files
        print("dtc demo: stopped", flush=True)  # also on SIGTERM (dtc.cli turns it into SystemExit)
    return 0


class DemoLoader(threading.Thread):
    """Loads the demo set into an empty store before serving, then enriches it in the background with its own
    store connection."""

    def __init__(self, settings: Settings, data_dir: Path, *, customers: int, seed: int, enrich: bool) -> None:
        super().__init__(name="dtc-demo-loader", daemon=True)
        self.settings, self.data_dir = settings, data_dir
        self.customers, self.seed, self.enrich = customers, seed, enrich
        self.stopping = threading.Event()
        self.failed: BaseException | None = None
        self._store: GraphStore | None = None

    def start_if_needed(self, store: GraphStore) -> None:
        """Load now when the store is empty or a previous load was cut off; then start enriching in the background
        when that is still to do. A store holding customers that `dtc demo` did not load is left alone."""
        state = self._state()
        has_customers = bool(store.run("any-customer"))
        if not has_customers or state.get("status") == "loading":
            self._load(store)
            state = self._state()
        if self.enrich and state.get("status") == "loaded" and not state.get("enriched"):
            self.start()

    def run(self) -> None:
        try:
            self._store = open_store(self.settings)
            if not self.stopping.is_set():
                self._enrich(self._store)
        except BaseException as e:  # noqa: BLE001 - a loader failure is reported, the server keeps serving
            if not self.stopping.is_set():
                self.failed = e
                print(f"dtc demo: enriching the demo data failed: {e}", file=sys.stderr, flush=True)
        finally:
            self._close_store()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the loader to stop; a load still running is cut off by closing its store (it resumes next time)."""
        self.stopping.set()
        if self.is_alive():
            self.join(timeout_s)
        self._close_store()

    def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def _load(self, store: GraphStore) -> None:
        from ingest.batch import ingest_files
        from ingest.generator import generate

        started = time.perf_counter()
        if not (self.data_dir / "truth.json").exists():
            report = generate(self.data_dir, customers=self.customers, seed=self.seed)
            _say(f"generated {report.customers} customers and {report.events} events in {report.seconds:.1f} s")
        self._write_state({"status": "loading", "customers": self.customers, "seed": self.seed})
        events = self.data_dir / "events.jsonl"
        if not events.exists():
            events = self.data_dir / "events.jsonl.gz"
        _say("ingesting the demo data…")
        ingest_files(store, self.settings, catalog=self.data_dir / "catalog.yaml",
                     customers=[self.data_dir / "customers.jsonl"], events=[events],
                     rejects=self.data_dir / "rejects.jsonl", quiet=True)
        self._write_state({"status": "loaded", "customers": self.customers, "seed": self.seed,
                           "load_seconds": round(time.perf_counter() - started, 1)})
        _say(f"demo data loaded in {time.perf_counter() - started:.0f} s")
        store.compact()  # the next `dtc demo` loads a snapshot in seconds instead of replaying every query

    def _enrich(self, store: GraphStore) -> None:
        from graph.embeddings import embedder_from
        from graph.enrichment import enrich
        from graph.personas import assign_personas, scoring_checkpoint

        started = time.perf_counter()
        embedder = embedder_from(self.settings)  # the model the API embeds queries with (DTC_EMBEDDING_MODEL)
        report = enrich(store, embedder)
        _say(f"embedded {report.texts} distinct texts ({report.computed} computed) in "
             f"{time.perf_counter() - started:.0f} s: feedback search is ready")
        if self.stopping.is_set():
            return
        shown = [0]  # the last quarter said

        def progress(done: int, total: int) -> None:
            if done * 4 // total > shown[0] and done < total:
                shown[0] = done * 4 // total
                _say(f"scoring model personas: {done} of {total} customers")

        assigned = assign_personas(store, embedder, checkpoint=scoring_checkpoint(self.settings), progress=progress,
                                   lock=writer_lock(store, self.settings))
        resumed = f", resumed after {assigned.resumed}" if assigned.resumed else ""
        _say(f"model personas scored for {assigned.customers} customers in {assigned.seconds:.0f} s{resumed}")
        self._write_state({**self._state(), "enriched": True})
        store.compact()  # the next `dtc demo` loads a snapshot in seconds instead of replaying every query

    def _state(self) -> dict[str, Any]:
        try:
            state = json.loads((self.data_dir / STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return state if isinstance(state, dict) else {}

    def _write_state(self, state: dict[str, Any]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")


def example_query(persona: str) -> str:
    """The GraphQL query the welcome text shows: the persona's frictions ranked by switches."""
    fields = "friction { code name } exposed switched lift competitors { competitor { code } count }"
    return "{ frictionToCompetitors(persona: " + json.dumps(persona) + ") { " + fields + " } }"


def _print_welcome(host: str, port: int, data_dir: Path, *, enriching: bool) -> None:
    base = f"http://{host}:{port}"
    effect = _first_effect(data_dir)
    body = json.dumps({"query": example_query(effect["persona"])})
    print(f"""
Customer Twin demo
  dashboard      {base}/
  persona page   {base}/personas/{effect['persona']}
  customer twin  {base}/customers/sydney
  GraphQL        {base}/graphql
  health         {base}/healthz
{'  computing embeddings and model personas in the background; feedback search fills in as they land'
   if enriching else '  demo data loaded'}

Which friction sends {effect['persona']} customers to a competitor? (the top row is the planted answer:
{effect['friction']} -> {effect['competitor']})
  curl -s {base}/graphql -H 'Content-Type: application/json' \\
       -d {shlex.quote(body)}

Ctrl-C stops everything.
""", flush=True)


def _first_effect(data_dir: Path) -> dict[str, Any]:
    try:
        effects = json.loads((data_dir / "truth.json").read_text())["effects"]
        return dict(effects[0])
    except (OSError, ValueError, KeyError, IndexError):
        from ingest.demo_behaviour import PLANTED_EFFECTS

        first = PLANTED_EFFECTS[0]
        return {"persona": first.persona, "friction": first.friction, "competitor": first.competitor}


def _refuse_busy_port(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            if e.errno == 98:  # EADDRINUSE
                raise InputError(f"Port {port} on {host} is already in use (another dtc demo?); stop it or pass "
                                 f"--port with a free port.") from None
            raise ConfigError(f"Cannot listen on {host}:{port}: {e.strerror}; pass --host/--port.") from e


def _say(message: str) -> None:
    print(f"dtc demo: {message}", flush=True)
