"""What keeps the server safe to expose: keys, scopes, rate limits, request sizes, and one writer at a time.

Reads are open unless the server is started with ``--private``; writes (casework) and expensive calls
(screening, a release's reproduce check and diff, full exports) need a key in ``X-Api-Key``. A key
that is given but unknown or revoked is 401 even where none is needed: a client should learn at once
that its key is wrong. Every client — a key, or an address without one — gets ``rate`` requests a
minute (a token bucket: bursts up to a minute's worth), then 429 with ``Retry-After``.

The register is opened read-only per request. DuckDB will not open a file read-write in a process
that holds it read-only, so a write waits for the reads in flight and holds new ones off while it
runs (:class:`Gate`); a write is one small delivery, over in milliseconds.
"""

from __future__ import annotations

import json
import math
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from ipgauge.errors import UserError, environment_fault
from ipgauge.web.access import AccessLog
from ipgauge.web.keys import Key, Keyring


def server_trouble(error: UserError) -> tuple[str, str] | None:
    """The 503 sentence and ``Retry-After`` for the server's own trouble, or None for a refusal of the request.

    A register locked by another process, or a disk that is full or read-only: the request was fine,
    so the answer names the cause only — no path, no process id.
    """
    text = str(error)
    if "in use by another ipgauge process" in text:
        return "the register is busy with another process; retry in a few seconds.", "5"
    fault = environment_fault(text)
    if fault:
        return f"the server cannot store or read data just now ({fault}); retry later.", "60"
    return None


@dataclass(frozen=True)
class Settings:
    """How the server is run (``ipgauge serve`` options)."""

    private: bool = False  # reads need a key too
    rate: int = 600  # requests a minute per key or address; 0: unlimited
    max_body: int = 64 * 1024  # bytes a request body may have
    cors_origins: tuple[str, ...] = ()  # none: CORS off
    cache_entries: int = 2048  # computed answers kept in memory; 0: none
    cache_bytes: int = 128 * 2**20  # and at most this much of them (an answer over 1/64 of it is not kept)
    keep_cached: int = 8  # spells and casework folders kept on disk (the most recently used)
    access_log: AccessLog | None = None  # JSON lines, one per request (serve --access-log)


class Gate:
    """Many readers or one writer, taking turns: neither a stream of reads nor a stream of writes starves the other.

    A writer waits for the reads in flight and holds new ones off; when it is done, every read that
    was waiting goes in before the next writer, even if writers queue (a key holder writing in a loop
    — refused writes included — must not freeze every reader of the register).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0  # reading now
        self._writing = False
        self._waiting = 0  # writers waiting
        self._queued = 0  # readers waiting
        self._eligible = 0  # readers that waited for the last write: they go before the next one
        self._writes_done = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the register for reading (with other readers)."""
        with self._cond:
            arrived = self._writes_done
            self._queued += 1
            while self._writing or (self._waiting and self._writes_done == arrived):
                self._cond.wait()
            self._queued -= 1
            if self._writes_done != arrived:
                self._eligible -= 1
            self._readers += 1
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the register alone, once the reads in flight, and those that waited for the last write, are over."""
        with self._cond:
            self._waiting += 1
            while self._writing or self._readers or self._eligible:
                self._cond.wait()
            self._waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._writes_done += 1
                self._eligible = self._queued  # every reader waiting now goes in before the next writer
                self._cond.notify_all()


class Answers:
    """Computed answers kept in memory, each under its request and the register's state when computed.

    The state is the register file's (and its write-ahead log's) size and modification time: any
    load, case or release changes it, so an answer is never served from a register that changed.
    """

    def __init__(self, db: Path, entries: int, most: int) -> None:
        self.db = db
        self.entries = entries
        self.most = most
        self._bytes = 0
        self._kept: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()

    def state(self) -> tuple:
        """The register's state now: what an answer is kept under."""
        stamps = []
        for p in (self.db, self.db.with_name(self.db.name + ".wal")):
            try:
                st = p.stat()
                stamps.append((st.st_mtime_ns, st.st_size))
            except FileNotFoundError:
                stamps.append(None)
        return tuple(stamps)

    def get(self, key: tuple) -> object | None:
        """The answer kept under ``key``, or None."""
        with self._lock:
            hit = self._kept.get(key)
            if hit is None:
                return None
            self._kept.move_to_end(key)
            return hit[0]

    def put(self, key: tuple, value: object) -> None:
        """Keep an answer (the least recently used go when the count or the bytes are over their bounds)."""
        if not self.entries:
            return
        size = len(json.dumps(value, default=str))
        if size > self.most // 64:
            return
        with self._lock:
            old = self._kept.pop(key, None)
            self._bytes += size - (old[1] if old else 0)
            self._kept[key] = (value, size)
            while len(self._kept) > self.entries or self._bytes > self.most:
                _, (_, gone) = self._kept.popitem(last=False)
                self._bytes -= gone


class Limiter:
    """A token bucket per client: ``rate`` a minute, bursts up to ``rate``."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_for(self, client: str) -> int:
        """0 when the request may go on, else the seconds to wait."""
        if not self.rate:
            return 0
        per_second = self.rate / 60
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - then) * per_second)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return max(1, math.ceil((1 - tokens) / per_second))
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > 100_000:  # forget the idle: a flood of addresses must not grow memory
                self._buckets = {c: v for c, v in self._buckets.items() if now - v[1] < 120}
            return 0


class Crashes:
    """A server's crash logs, at most ``per_minute`` written a minute: a bug a client can repeat cannot fill the disk.

    Each crash gets an incident id (told to the client, in the log's name); crashes beyond the bound
    are counted and said in the next log written.
    """

    def __init__(self, per_minute: int = 10) -> None:
        self.per_minute = per_minute
        self._times: list[float] = []
        self._skipped = 0
        self._lock = threading.Lock()

    def record(self, error: BaseException) -> str:
        """Log ``error`` (or count it, past the bound); its incident id."""
        import secrets

        from ipgauge.errors import log_crash

        incident = secrets.token_hex(4)
        now = time.monotonic()
        with self._lock:
            self._times = [t for t in self._times if now - t < 60]
            if len(self._times) >= self.per_minute:
                self._skipped += 1
                return incident
            self._times.append(now)
            skipped, self._skipped = self._skipped, 0
        note = f"{skipped} crashes before this one were not logged (over {self.per_minute} a minute)"
        log_crash(error, incident, note if skipped else "")
        return incident


@dataclass
class Context:
    """What every request shares: the register, the settings, the keys, the gate, the answers."""

    db: Path
    settings: Settings
    keyring: Keyring = field(init=False)
    gate: Gate = field(default_factory=Gate)
    answers: Answers = field(init=False)
    limiter: Limiter = field(init=False)
    crashes: Crashes = field(default_factory=Crashes)

    def __post_init__(self) -> None:
        self.keyring = Keyring(self.db)
        self.answers = Answers(self.db, self.settings.cache_entries, self.settings.cache_bytes)
        self.limiter = Limiter(self.settings.rate)

    def unpath(self, text: str) -> str:
        """``text`` without the server's own folders: a client learns nothing of the machine's layout."""
        from ipgauge.register.cache import cache_dir

        for folder in sorted({str(self.db.resolve().parent), str(self.db.parent), str(cache_dir(self.db)),
                              tempfile.gettempdir()}, key=len, reverse=True):  # fmt: skip
            if folder not in ("", "."):
                text = text.replace(folder, "…")
        return text

    def tidy(self) -> None:
        """After a computation: beyond ``keep_cached`` spells and casework folders, remove the least used.

        Alone (no read in flight): a folder is never removed under a query reading it.
        """
        from ipgauge.register.cache import count_prunable, prune

        if count_prunable(self.db) > self.settings.keep_cached:
            with self.gate.writing():
                prune(self.db, self.settings.keep_cached)


async def context(request: Request) -> Context:
    """The server's shared context (a dependency; async, so it costs no trip to the thread pool)."""
    return request.app.state.ctx


def key_of(request: Request) -> Key | None:
    """The key the request carries (set by the middleware), or None."""
    return getattr(request.state, "key", None)


API_KEY = APIKeyHeader(name="X-Api-Key", auto_error=False, description="ipgauge keys add prints one")


def need_key(request: Request, _given: str | None = Security(API_KEY)) -> Key:
    """A dependency: the call needs a valid key (401 without one); the OpenAPI document says so."""
    key = key_of(request)
    if key is None:
        raise HTTPException(401, "this call needs an API key in the X-Api-Key header (ipgauge keys add).")
    return key
