"""A loopback port for a server that a test starts, held from the moment it is picked until the test is done."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_port() -> Iterator[int]:
    """A free port on 127.0.0.1, kept bound (SO_REUSEADDR, never listening) for the block. A port picked and let go
    at once could be handed to another process (an embedded redis-server, another test's server) in the seconds
    before the test's server listened on it; held, it is skipped by every other bind to port 0, while the server,
    which sets SO_REUSEADDR as uvicorn and `dtc demo`'s port check do, can still listen on it."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])
