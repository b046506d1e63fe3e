"""The server's access log: one JSON object per request, in a file rotated by size (``serve --access-log``).

Each line says when, from which address, which key (its id, never the key), the method, the path and
query, the status, the bytes sent and how long it took — what an operator needs to learn who wrote
what, or who is probing. Lines are written by a background thread (a queue), so a slow or full disk
never holds the event loop; a line that cannot be written is dropped with one warning on stderr, and
the request it describes is answered regardless.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import queue
import time
from datetime import UTC, datetime
from pathlib import Path

from ipgauge.errors import UserError, why

MAX_FIELD = 256  # characters of a path or query kept: a hostile request cannot make a huge line
#: Refusals a flood is made of (rate limit, oversized or slow heads, connection caps): one line a minute per
#: client and status, with the count of those not written — a flood cannot rotate the log's history away.
SUMMARISED = (429, 431, 408, 503)


class AccessLog:
    """JSON lines to ``path``, rotated at ``max_bytes`` with ``backups`` old files kept."""

    def __init__(self, path: Path, max_bytes: int = 10 * 2**20, backups: int = 5) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
            )
        except OSError as e:
            raise UserError(f"cannot write the access log {path} ({why(e)}); choose another --access-log.") from None
        handler.setFormatter(logging.Formatter("%(message)s"))
        self._logger = logging.getLogger(f"ipgauge.access.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        lines: queue.SimpleQueue = queue.SimpleQueue()
        self._logger.addHandler(logging.handlers.QueueHandler(lines))
        self._listener = logging.handlers.QueueListener(lines, handler)
        self._listener.start()
        self._quiet: dict[tuple[str, int], tuple[float, int]] = {}  # (client, status) -> (last written, not written)
        atexit.register(self.close)

    def write(self, scope: dict, status: int, sent: int, seconds: float) -> None:
        """Log one request (called when its answer is complete)."""
        client = (scope.get("client") or ("-",))[0]
        folded = 0
        if status in SUMMARISED:
            now = time.monotonic()
            last, folded = self._quiet.get((client, status), (float("-inf"), 0))
            if now - last < 60:
                self._quiet[(client, status)] = (last, folded + 1)
                return
            self._quiet[(client, status)] = (now, 0)
            if len(self._quiet) > 100_000:  # a flood from many addresses must not grow memory
                self._quiet = {k: v for k, v in self._quiet.items() if now - v[0] < 60}
        key = (scope.get("state") or {}).get("key")
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "client": client,
            "key_id": key.key_id if key is not None else None,
            "method": scope.get("method"),
            "path": scope.get("path", "")[:MAX_FIELD],
            "query": scope.get("query_string", b"").decode("latin-1")[:MAX_FIELD],
            "status": status,
            "bytes": sent,
            "ms": round(seconds * 1000, 1),
        } | ({"same_not_logged": folded} if folded else {})
        self._logger.info(json.dumps(line))  # ASCII: no U+2028 or U+0085 that a reader splits lines at

    def close(self) -> None:
        """Write what is queued and stop (at exit; once)."""
        if self._listener._thread is not None:
            self._listener.stop()
