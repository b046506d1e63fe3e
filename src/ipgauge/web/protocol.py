"""The HTTP connection itself, guarded: what a client may hold before the app sees its request.

uvicorn's httptools protocol puts no bound on a request's head (one 100 MB header is buffered whole
while every other client waits) and no deadline on a head or a body that never completes (20,000
half-open requests use every file handle). This subclass adds the bounds a public server needs,
where they are cheap — before the parser buffers anything:

- the request line and headers together at most ``max_head`` bytes, else **431** and the connection
  closed (counted on the bytes as they arrive, so an oversized head is never buffered);
- a head must be complete ``head_timeout`` seconds after its first byte (or after the connection
  opens), a body ``body_timeout`` seconds after its head, else **408** and closed;
- at most ``per_address`` open connections per client address and ``total`` in all: a further one
  is answered **503** with ``Retry-After`` and closed at once, so its file handle is freed.

Idle keep-alive connections are closed by uvicorn's own ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
import resource
from collections import Counter
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from ipgauge.web.access import AccessLog

END_OF_HEAD = b"\r\n\r\n"


@dataclass(frozen=True)
class Limits:
    """What one connection may hold (``ipgauge serve`` options)."""

    max_head: int = 32 * 1024  # bytes of request line and headers
    head_timeout: float = 10.0  # seconds for a request's head to arrive
    body_timeout: float = 30.0  # seconds for its body, once the head is in
    per_address: int = 256  # open connections per client address (a NAT may hide a whole office)
    total: int = 8192  # open connections in all


def refusal(status: int, message: str, extra: bytes = b"") -> bytes:
    """A complete HTTP/1.1 response that closes the connection: the JSON error every answer uses."""
    body = ('{"error":"' + message + '"}').encode()
    return b"".join(
        [
            STATUS_LINE[status],
            b"content-type: application/json\r\ncontent-length: ",
            str(len(body)).encode(),
            b"\r\nconnection: close\r\n",
            extra,
            b"\r\n",
            body,
        ]
    )


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bounded head, deadlines and connection caps (see the module)."""

    limits = Limits()
    open_by_address: Counter[str] = Counter()  # per server: :func:`guarded` gives each its own
    log: AccessLog | None = None  # the refusals here are logged like every answer
    _deadline: asyncio.TimerHandle | None = None
    _in_head = True
    _head_bytes = 0
    _tail = b""
    _address = ""
    _began_here = False

    def connection_made(self, transport) -> None:  # type: ignore[override]
        """Count the address; refuse it over its cap; the head's deadline starts."""
        super().connection_made(transport)
        self._address = self.client[0] if self.client else "-"
        self.open_by_address[self._address] += 1
        if self.open_by_address[self._address] > self.limits.per_address or len(self.connections) > self.limits.total:
            self._refuse(503, "too many open connections from this address; retry later.", b"retry-after: 5\r\n")
            return
        self._arm(self.limits.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        """Uncount the address."""
        self._disarm()
        if self._address:
            self.open_by_address[self._address] -= 1
            if self.open_by_address[self._address] <= 0:
                del self.open_by_address[self._address]
            self._address = ""
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Count a head's bytes before the parser buffers them: 431 past the limit."""
        if self.transport.is_closing():
            return
        if self._in_head and self._over(data):
            return
        self._began_here = False
        super().data_received(data)
        if self._began_here and self._in_head:  # a pipelined request began inside this chunk, its head not done:
            self._head_bytes, self._tail = 0, b""  # its head is at most the chunk (counted whole, to be safe)
            self._over(data)

    def _over(self, data: bytes) -> bool:
        """Add ``data`` to the head's bytes; refuse 431 (True) when the head cannot end within the limit."""
        room = self.limits.max_head - self._head_bytes
        if len(data) > room and (self._tail + data).find(END_OF_HEAD, 0, len(self._tail) + room) < 0:
            self._refuse(431, f"the request line and headers are over {self.limits.max_head:,} bytes.")
            return True
        self._head_bytes += len(data)
        self._tail = (self._tail + data)[-3:]
        return False

    def on_message_begin(self) -> None:
        """A new request: its head is under its own deadline."""
        super().on_message_begin()
        self._in_head, self._began_here = True, True
        if self._deadline is None:  # a keep-alive connection's next request: its head has its own deadline
            self._arm(self.limits.head_timeout)

    def on_headers_complete(self) -> None:
        """The head is in: the body's deadline starts."""
        self._in_head = False
        self._arm(self.limits.body_timeout)  # disarmed at once by on_message_complete when there is no body
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The request is in: no deadline while the app answers; the next head is counted from zero."""
        self._disarm()
        self._head_bytes, self._tail = 0, b""
        super().on_message_complete()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()  # the answer is on its way; only the connection is cut
            return
        what = "headers" if self._in_head else "body"
        self._refuse(408, f"the request's {what} did not arrive in time.")

    def _refuse(self, status: int, message: str, extra: bytes = b"") -> None:
        self._disarm()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.disconnected = True  # the app, if running, stops waiting for a body
            self.cycle.message_event.set()
        answer = refusal(status, message, extra)
        self.transport.write(answer)
        self.transport.close()
        if self.log is not None:
            scope = self.scope or {}
            asked = {"client": self.client, "method": scope.get("method"), "path": scope.get("path", ""),
                     "query_string": scope.get("query_string", b"")}  # fmt: skip
            self.log.write(asked, status, len(answer), 0.0)


def guarded(limits: Limits, log: AccessLog | None = None) -> type[asyncio.Protocol]:
    """The protocol class for one server: its limits, its log, and connection counts shared by its connections only."""
    return type("Guarded", (GuardedProtocol,), {"limits": limits, "open_by_address": Counter(), "log": log})


def file_handles() -> int:
    """Raise this process's file-handle limit to the system's hard limit; the handles connections may use."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return max(64, min(hard, 1 << 20) - 256)  # leave handles for the register, its caches and the logs
