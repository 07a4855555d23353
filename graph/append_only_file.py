"""The embedded FalkorDB server's append-only file: rewriting it as a snapshot (compaction) and waiting for its fsync.

A rewrite drops the queries logged since the last snapshot (and any data they carried) from the disk, and makes the
next start load in seconds instead of replaying every write.
"""

from __future__ import annotations

import logging
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.errors import CompactionError

log = logging.getLogger(__name__)
COMPACT_GROWN_BYTES = 8 * 1024 * 1024  # queries logged since the last snapshot that are worth a rewrite
STOP_WAIT_S = 600.0  # how long a stop waits for the compaction and for the server to exit
NO_RETRY = Retry(NoBackoff(), 0)  # probes and SHUTDOWN must not be retried by the client
DURABLE_TIMEOUT_MS = 5000


def rewrite_append_only_file(client: redis.Redis, wait_s: float) -> bool:
    """Rewrite the server's append-only file as a snapshot of the current data, so the queries logged since (and
    any data they carried) leave the disk and the next start loads in seconds. A rewrite already running may predate
    the latest writes, so it is waited for and a new one started. Waits up to `wait_s` for the new one; True once
    it has finished. Raises CompactionError when the server reports that the rewrite (or its writes to the
    append-only file) failed, e.g. on a full disk; the data then stays in the files it had."""
    def busy() -> bool:
        info = client.info("persistence")
        return bool(int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0)))

    deadline = time.monotonic() + max(wait_s, 30.0)
    while busy() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        client.bgrewriteaof()
    except redis.ResponseError as e:
        if "already in progress" not in str(e):
            raise CompactionError(f"the server refused to rewrite its append-only file: {e}") from e
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if not busy():
            raise_if_persistence_failed(client)
            return True
        time.sleep(0.05)
    return False


def raise_if_persistence_failed(client: redis.Redis) -> None:
    info = client.info("persistence")
    if str(info.get("aof_last_bgrewrite_status", "ok")) != "ok":
        raise CompactionError("the server's rewrite failed, so the data stays in the uncompacted file")
    if str(info.get("aof_last_write_status", "ok")) != "ok":
        raise CompactionError("the server cannot write to its append-only file, so its latest writes wait in memory")


def start_rewrite(port: int) -> None:
    """Start a rewrite in the background (after a long replay); a failure shows in the next compaction."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, retry=NO_RETRY)
    try:
        client.bgrewriteaof()
    except redis.RedisError as e:
        log.debug("No rewrite after the replay: %s", e)
    finally:
        client.close()


def compact_if_grown(port: int, grown_bytes: int = COMPACT_GROWN_BYTES, wait_s: float = STOP_WAIT_S) -> None:
    """Compact the append-only file before stopping when many queries were logged since the last snapshot."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=60, retry=NO_RETRY)
    try:
        info = client.info("persistence")
        if int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0)) >= grown_bytes:
            rewrite_append_only_file(client, wait_s)
    except (redis.RedisError, CompactionError) as e:
        log.warning("The embedded store could not compact its append-only file before stopping (%s); its data is "
                    "intact in the uncompacted file.", e)
    finally:
        client.close()


def make_durable(port: int, aof_size_at_attach: int | None) -> None:
    """Before leaving the server up: wait for the fsync of everything written while we used it (a stop would have
    flushed it). A marker write on our own connection, then WAITAOF: its fsync covers every earlier write."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, retry=NO_RETRY)
    try:
        if aof_size_at_attach is not None and int(client.info("persistence")["aof_current_size"]) == aof_size_at_attach:
            return  # nothing was written
        client.set("dtc:embedded:synced", int(time.time() * 1000))
        local, _ = client.execute_command("WAITAOF", 1, 0, DURABLE_TIMEOUT_MS)  # type: ignore[no-untyped-call]
        if int(local) < 1:
            log.warning("The embedded store did not confirm within %d ms that its last writes are on disk; they "
                        "are written and will be flushed within a second or two.", DURABLE_TIMEOUT_MS)
    except redis.RedisError as e:
        log.warning("The embedded store could not confirm its last writes are on disk: %s", e)
    finally:
        client.close()
