"""The secret that keys every keyed hash of the twin: identities (`Identity.key`), the audit trail's name for a
customer (`graph.privacy.customer_ref`) and the suppression list. It lives in the configuration, never in the graph.

DTC_IDENTITY_KEY, else (embedded stores) a key file created once in the state directory. Read once per process and
key source: every caller (ingest, erasure, the API on each request) gets it from here.
"""

from __future__ import annotations

import os
import secrets
from functools import cache
from pathlib import Path

from graph.errors import ConfigError
from graph.settings import Settings

KEY_FILE = "identity.key"


def identity_key(settings: Settings) -> bytes:
    """The secret of the keyed hashes: DTC_IDENTITY_KEY, else a key file in the state directory (embedded stores)."""
    if settings.identity_key:
        return settings.identity_key.encode("utf-8")
    if settings.embedded_dir is None:
        raise ConfigError(
            "DTC_IDENTITY_KEY is not set. Identities are hashed with a secret key, and a shared store needs the "
            "same key in every process: set DTC_IDENTITY_KEY to a long random string (e.g. `openssl rand -hex 32`)."
        )
    return _key_file(settings.state_dir / KEY_FILE)


@cache
def _key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")
