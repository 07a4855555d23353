"""`dtc ingest`: catalog, customer files and event files into the twin, streamed, validated, idempotent, resumable.

    report = ingest_files(store, settings, catalog=Path("catalog.yaml"), customers=[Path("customers.jsonl")],
                          events=[Path("events.jsonl")])
    print(report.summary())

Bad rows never stop the job and never reach the graph: they go to a rejects file (JSONL with file, line, reason
and the original text; by default `<input>.rejects.jsonl`). After every committed batch the file's checkpoint
records the byte offset reached, so a killed job resumes there, and an unchanged finished file is skipped.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Full, Queue
from typing import IO, Any, TypeVar

from cypher import now_ms
from graph.errors import CompactionError
from graph.keys import identity_key
from graph.settings import Settings
from graph.store import GraphStore
from ingest.catalog import load_catalog
from ingest.checkpoint import Checkpoint, Checkpoints
from ingest.contracts import (
    CustomerRecord,
    Event,
    from_csv_row,
    future_dated,
    validate_customer,
    validate_event,
)
from ingest.customers import write_customers
from ingest.lookups import event_exists
from ingest.progress import Progress, progress_for
from ingest.reasons import reject_code
from ingest.records import apply_records
from ingest.segment import message_records
from ingest.segment_mapping import SegmentMapping
from ingest.sink import Applied, sink_for
from ingest.sources import STDIN, SourceRow, read_rows

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_REJECTS, EXIT_NOT_COMPACTED = 0, 1, 2, 3, 4
REJECTS_LIST = "rejects-files.txt"


def rejects_listing(state_dir: Path) -> Path:
    """The file that lists every rejects file ingest wrote (erasure reads it to scrub them)."""
    return state_dir / REJECTS_LIST


@dataclass
class IngestReport:
    read: int = 0  # event rows read (customer-file lines are customers_read)
    ingested: int = 0
    rejected: int = 0  # event rows rejected
    duplicates: int = 0  # valid events already in the twin (same event id): nothing changed
    suppressed: int = 0  # valid events of people on the suppression list (erased): dropped
    future: int = 0  # events more than 5 minutes ahead of the clock
    future_rejected: bool = False  # --reject-future: those events are among the rejected
    customers_read: int = 0
    customers_rejected: int = 0
    customers_suppressed: int = 0  # customer records of people on the suppression list: dropped
    new_customers: int = 0
    journeys: int = 0
    elapsed_s: float = 0.0
    events_per_s: float = 0.0
    rejects_path: str | None = None  # the (first) rejects file written
    rejects_paths: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)  # unchanged since a finished run
    merges: int = 0
    compaction_s: float = 0.0  # of elapsed_s: rewriting the embedded server's append-only file after the load
    compaction_error: str | None = None  # the load is in, but the store could not compact its files (a full disk)

    @property
    def exit_code(self) -> int:
        if self.compaction_error:
            return EXIT_NOT_COMPACTED
        return EXIT_REJECTS if self.rejected or self.customers_rejected else EXIT_OK

    def summary(self) -> str:
        """`ingest: events read 47, ingested 45, duplicates 2, rejected 0; customers read 2, rejected 0; …`"""
        events = [f"events read {self.read}", f"ingested {self.ingested}", f"duplicates {self.duplicates}",
                  f"rejected {self.rejected}"]
        if self.suppressed:
            events.append(f"suppressed {self.suppressed}")
        if self.future:
            events.append(f"future-dated {self.future} (more than 5 min ahead of the clock; "
                          + ("rejected)" if self.future_rejected else "kept: --reject-future rejects them)"))
        totals = [f"new customers {self.new_customers}", f"journeys {self.journeys:+d}",
                  f"elapsed {self.elapsed_s:.1f} s", f"{self.events_per_s:,.0f} events/s"]
        if self.compaction_s >= 0.05:
            totals.append(f"of which compaction {self.compaction_s:.1f} s")
        customers = [f"customers read {self.customers_read}", f"rejected {self.customers_rejected}"]
        if self.customers_suppressed:
            customers.append(f"suppressed {self.customers_suppressed}")
        line = f"ingest: {', '.join(events)}; {', '.join(customers)}; {', '.join(totals)}"
        if self.rejects_paths:
            line += f"; rejects in {', '.join(self.rejects_paths)}"
        if self.skipped_files:
            line += f"; {len(self.skipped_files)} file(s) unchanged since the last run, skipped"
        return line

    def count(self, counts: dict[str, int]) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)


# JSON leaves these raw in strings, but text readers end lines at them: escaped, a record is one line for every reader
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


class RejectsFile:
    """The JSONL file bad rows go to, opened on the first reject and listed in `<state_dir>/rejects-files.txt` (so
    erasure can scrub it)."""

    def __init__(self, path: Path, state_dir: Path) -> None:
        self.path = path
        self.state_dir = state_dir
        self._handle: IO[str] | None = None
        self.used = False  # prepared for this run (old content removed or cut back to a checkpoint)

    def prepare(self, keep_bytes: int) -> None:
        """At the first use in a run: keep only the first `keep_bytes` (the part a checkpoint vouches for)."""
        if self.used:
            return
        self.used = True
        if not self.path.exists():
            return
        if keep_bytes <= 0:
            self.path.unlink()
            return
        with open(self.path, "r+b") as f:
            f.truncate(keep_bytes)

    def write(self, row: SourceRow, errors: Sequence[str], event_id: str | None = None) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # whatever the row held: JSON escapes control characters, and a lone surrogate (which UTF-8 cannot
            # carry) is written as its \uXXXX escape, which is how JSON spells it anyway
            self._handle = open(self.path, "a", encoding="utf-8",  # noqa: SIM115 - closed in close()
                                errors="backslashreplace")
            self._register()
        record = {"file": row.source, "line": row.line, "code": reject_code(errors[0]) if errors else "",
                  "reason": "; ".join(errors), "errors": list(errors), "text": row.text}
        if event_id is None and isinstance(row.obj, dict):
            found = row.obj.get("event_id", row.obj.get("messageId"))  # a Segment message's id is its event id
            event_id = found if isinstance(found, str) else None
        if event_id is not None:
            record["event_id"] = event_id
        self._handle.write(json.dumps(record, ensure_ascii=False).translate(_LINE_BREAKS) + "\n")

    def size(self) -> int:
        if self._handle is not None:
            self._handle.flush()
        return self.path.stat().st_size if self.path.exists() else 0

    def written(self) -> bool:
        return self._handle is not None or (self.path.exists() and self.path.stat().st_size > 0)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _register(self) -> None:
        listing = rejects_listing(self.state_dir)
        listing.parent.mkdir(parents=True, exist_ok=True)
        known = set(listing.read_text(encoding="utf-8").splitlines()) if listing.exists() else set()
        if str(self.path) not in known:
            with open(listing, "a", encoding="utf-8") as f:
                f.write(f"{self.path}\n")


RowReader = Callable[[str, int, int], Iterator[SourceRow]]
T = TypeVar("T")
PREFETCH = 2  # batches read and validated ahead while the graph writes the current one


@dataclass
class Chunk:
    """One batch of an input file: its valid events, its bad rows, and where it ends."""

    end: int
    line: int
    events: list[Event] = field(default_factory=list)
    sources: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of each event's row, for rejects
    records: list[tuple[str, Any]] = field(default_factory=list)  # every valid record in order (events among them)
    rejected: list[tuple[SourceRow, list[str]]] = field(default_factory=list)
    read: int = 0
    future: int = 0
    last: bool = False
    source: str = ""

    def refused_rows(self, refused: Sequence[tuple[Event, str]]) -> Iterator[tuple[SourceRow, str, str]]:
        """The rows of the events the store refused to write (Applied.refused), with the reason and event id."""
        where = {id(event): n for n, event in enumerate(self.events)} if refused else {}
        for event, reason in refused:
            line, text = self.sources[where[id(event)]] if id(event) in where else (self.line, "")
            yield SourceRow(self.source, line, text, None, reason, self.end), reason, event.event_id


def prefetch(items: Iterator[T], depth: int = PREFETCH) -> Iterator[T]:
    """`items`, produced by a background thread up to `depth` ahead: parsing and validation of the next batches
    overlap with the graph writing the current one (the store works in its own process)."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put((True, item), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((False, None))
        except BaseException as e:  # handed to the consumer, which raises it
            queue.put((False, e))

    worker = threading.Thread(target=produce, name="ingest-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = queue.get()
            if not ok:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


class IngestJob:
    """One `dtc ingest` run over one store."""

    def __init__(self, store: GraphStore, settings: Settings, *, rejects: Path | None, journey_gap_days: float | None,
                 batch_size: int, progress: Progress, row_reader: RowReader | None = None,
                 reject_future: bool = False, segment: SegmentMapping | None = None) -> None:
        self.store = store
        self.segment = segment  # a Segment export: each line a message (ingest.segment), read by the file rule
        self.reject_future = reject_future
        self.clock_ms = now_ms()  # "the future" is judged against the job's start
        self.settings = settings
        self.secret = identity_key(settings)
        self.sink = sink_for(store, settings, journey_gap_days)
        self.batch_size = max(1, batch_size)
        self.rejects_override = rejects
        self.progress = progress
        self.checkpoints = Checkpoints(settings)
        self.report = IngestReport(future_rejected=reject_future)
        self._rejects: dict[Path, RejectsFile] = {}
        self._read_rows: RowReader = row_reader or (
            lambda path, start, line: read_rows(path, start=start, start_line=line, csv_parse=from_csv_row,
                                                fmt="jsonl" if segment is not None else None))

    def _validate(self, obj: Any) -> tuple[list[tuple[str, Any]], list[str]]:
        """The valid records of one row (an event, or a Segment message's records), or the reasons it has none."""
        if self.segment is not None:
            return message_records(obj, self.segment)
        event, errors = validate_event(obj)
        return ([("event", event)] if event is not None else []), errors

    def close(self) -> None:
        for rejects in self._rejects.values():
            rejects.close()
            if rejects.written() and str(rejects.path) not in self.report.rejects_paths:
                self.report.rejects_paths.append(str(rejects.path))
        self.report.rejects_path = self.report.rejects_paths[0] if self.report.rejects_paths else None

    def rejects_for(self, source: str) -> RejectsFile:
        if self.rejects_override is not None:
            path = self.rejects_override
        elif source == STDIN:
            path = Path("stdin.rejects.jsonl")
        else:
            path = Path(f"{source}.rejects.jsonl")
            if not os.access(path.resolve().parent, os.W_OK):  # a read-only input folder: beside us instead
                path = Path(path.name)
        path = path.resolve()
        if path not in self._rejects:
            self._rejects[path] = RejectsFile(path, self.settings.state_dir)
        return self._rejects[path]

    # -- customers --------------------------------------------------------------------------------------------
    def ingest_customers(self, source: str) -> None:
        rejects = self.rejects_for(source)
        rejects.prepare(0)
        batch: list[CustomerRecord] = []
        self.progress.start(Path(source).name, _size(source))
        for row in read_rows(source, fmt=None):
            self.report.customers_read += 1
            record, errors = validate_customer(row.obj) if row.error is None else (None, [row.error])
            if record is None:
                self.report.customers_rejected += 1
                rejects.write(row, errors)
            else:
                batch.append(record)
            if len(batch) >= self.batch_size:
                self._write_customers(batch)
                self.progress.advance(row.end)
        if batch:
            self._write_customers(batch)

    def _write_customers(self, batch: list[CustomerRecord]) -> None:
        if self.sink.screen is not None:
            kept, suppressed = self.sink.screen.screen(batch, lock_held=False)
            self.report.customers_suppressed += suppressed
            batch[:] = kept
        written = write_customers(self.store, batch, self.secret, now_ms(), lock=self.sink.lock)
        self.sink.forget()  # the customers' personas and consents are part of the fold states the sink caches
        self.report.new_customers += written.new_customers
        if written.survivors:  # a record's identities merged customers: one journey history per survivor again
            self.report.journeys += self.sink.relink(written.survivors).journeys
        batch.clear()

    # -- events -----------------------------------------------------------------------------------------------
    def ingest_events(self, source: str) -> None:
        path = Path(source).resolve() if source != STDIN else None
        checkpoint: Checkpoint | None = None
        if path is not None:
            checkpoint = self.checkpoints.load(path)
            if checkpoint is not None and not self._still_in_graph(checkpoint):
                checkpoint = None  # the graph was wiped or is another one: start again (dedupe keeps it safe)
            if checkpoint is not None and checkpoint.done:
                self.report.skipped_files.append(source)
                self.report.read += checkpoint.counts.get("read", 0)
                self.report.rejected += checkpoint.counts.get("rejected", 0)
                self.report.future += checkpoint.counts.get("future", 0)
                if checkpoint.rejects_path and checkpoint.counts.get("rejected", 0):
                    self.report.rejects_paths.append(checkpoint.rejects_path)
                return
            if checkpoint is None:
                checkpoint = self.checkpoints.start(path)
        rejects = self.rejects_for(source)
        rejects.prepare(checkpoint.rejects_size if checkpoint and checkpoint.offset else 0)
        counts = dict(checkpoint.counts) if checkpoint else {}
        for name in ("read", "rejected", "future"):
            counts.setdefault(name, 0)
            setattr(self.report, name, getattr(self.report, name) + counts[name])
        self.progress.start(Path(source).name, path.stat().st_size if path else None)
        start = (checkpoint.offset, checkpoint.line) if checkpoint else (0, 1)
        chunks = prefetch(self._chunks(source, *start))
        # pipelined: the sink plans the next chunk while the store writes this one; a chunk comes back committed.
        # Segment exports interleave profile records with events: each chunk is applied in order, then the next
        applying = (self.sink.apply_batches((chunk, chunk.events) for chunk in chunks) if self.segment is None
                    else ((chunk, apply_records(self.sink, chunk.records)) for chunk in chunks))
        for chunk, applied in applying:
            rejected = len(chunk.rejected) + len(applied.refused)
            counts["read"] += chunk.read
            counts["rejected"] += rejected
            counts["future"] += chunk.future
            self.report.read += chunk.read
            self.report.rejected += rejected
            self.report.future += chunk.future
            for row, errors in chunk.rejected:  # only now: the checkpoint below vouches for these lines
                rejects.write(row, errors)
            for row, reason, event_id in chunk.refused_rows(applied.refused):
                rejects.write(row, [reason], event_id=event_id)
            self._count(applied)
            if checkpoint is not None:  # the graph write committed: the rows up to chunk.end are done
                checkpoint.offset, checkpoint.line, checkpoint.done = chunk.end, chunk.line, chunk.last
                checkpoint.counts = dict(counts)
                if chunk.events:
                    checkpoint.last_event_id = chunk.events[-1].event_id
                checkpoint.rejects_path = str(rejects.path)
                checkpoint.rejects_size = rejects.size()
                self.checkpoints.save(checkpoint)
            self.progress.advance(chunk.end)

    def _chunks(self, source: str, offset: int, line: int) -> Iterator[Chunk]:
        """Validated batches of the file from `offset`, cut between input rows only; the last one has last=True."""
        chunk = Chunk(end=offset, line=line, source=source)
        for row in self._read_rows(source, offset, line):
            if row.end != chunk.end and len(chunk.records) >= self.batch_size:
                yield chunk
                chunk = Chunk(end=chunk.end, line=chunk.line, source=source)
            chunk.end, chunk.line = row.end, row.line + 1 + row.text.count("\n")
            chunk.read += 1
            records, errors = self._validate(row.obj) if row.error is None else ([], [row.error])
            event = next((record for kind, record in records if kind == "event"), None)
            future = future_dated(event, self.clock_ms) if event is not None else None
            if future is not None:
                chunk.future += 1
                if self.reject_future:
                    records, errors = [], [future]
            if not records:
                chunk.rejected.append((row, errors))
            else:
                chunk.records += records
                for kind, record in records:
                    if kind == "event":
                        chunk.events.append(record)
                        chunk.sources.append((row.line, row.text))
        chunk.last = True
        yield chunk

    def _count(self, applied: Applied) -> None:
        self.report.ingested += applied.ingested
        self.report.duplicates += applied.duplicates
        self.report.suppressed += applied.suppressed
        self.report.new_customers += applied.new_customers
        self.report.journeys += applied.journeys
        self.report.merges += applied.merges

    def _still_in_graph(self, checkpoint: Checkpoint) -> bool:
        if checkpoint.last_event_id is None:
            return checkpoint.offset == 0 or checkpoint.counts.get("read", 0) == checkpoint.counts.get("rejected", 0)
        return event_exists(self.store, checkpoint.last_event_id)


def ingest_files(store: GraphStore, settings: Settings, *, catalog: Path | None = None,
                 customers: Sequence[Path | str] = (), events: Sequence[Path | str] = (), rejects: Path | None = None,
                 journey_gap_days: float | None = None, batch_size: int = 5000, quiet: bool = True,
                 row_reader: RowReader | None = None, reject_future: bool = False,
                 segment: SegmentMapping | None = None) -> IngestReport:
    """Load a catalog, customer files and event files (paths or `-` for stdin) into the store; the report says what
    happened. `row_reader` replaces the plain JSONL/CSV reader (the generic CSV mapping uses it); with
    `reject_future`, events more than 5 minutes ahead of the clock are rejected (reason `future_ts`), else they are
    ingested and counted; with `segment`, event files are Segment or RudderStack exports read by that mapping."""
    started = time.perf_counter()
    with ExitStack() as stack:
        stack.enter_context(rare_collections())
        progress = progress_for(quiet)
        stack.callback(progress.stop)
        job = IngestJob(store, settings, rejects=rejects, journey_gap_days=journey_gap_days, batch_size=batch_size,
                        progress=progress, row_reader=row_reader, reject_future=reject_future, segment=segment)
        stack.callback(job.close)
        if catalog is not None:
            load_catalog(store, Path(catalog))
        for source in customers:
            job.ingest_customers(str(source))
        for source in events:
            job.ingest_events(str(source))
        if job.report.ingested and settings.embedded_dir is not None:
            compacting = time.perf_counter()
            try:
                store.compact(wait_s=300.0)  # else the next start replays every batch query
            except CompactionError as e:  # reported, not raised: every batch is committed and checkpointed
                job.report.compaction_error = str(e)
            job.report.compaction_s = time.perf_counter() - compacting
    report = job.report
    report.elapsed_s = time.perf_counter() - started
    report.events_per_s = report.ingested / report.elapsed_s if report.elapsed_s > 0 else 0.0
    return report


@contextmanager
def rare_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector rarely for a while. Ingest allocates millions of small acyclic objects
    (rows, tuples, plans) while holding large caches, and the default thresholds (a young collection every 700
    allocations) cost ~20% of the planning thread's time; memory stays flat, reference counting frees them."""
    before = gc.get_threshold()
    gc.set_threshold(young, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _size(source: str) -> int | None:
    try:
        return Path(source).stat().st_size if source != STDIN else None
    except OSError:
        return None
