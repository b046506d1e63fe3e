"""The one exception type that reaches the user as a single sentence, and where bugs are written down.

Anything raised as :class:`UserError` is printed by the command line as one line on stderr with a
non-zero exit status; anything else is a bug: the command line prints one sentence naming the log
file that :func:`log_crash` wrote its traceback to, and exits with status 3.
"""

import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

#: What the current command has stored for good (a delivery, a release), newest last: an interrupt
#: that arrives after it must not claim that nothing was changed.
saved: list[str] = []


#: Whether Ctrl-C arrived during the current command: whatever fails after it (Spark's gateway, a DuckDB
#: callback cut short) fails because of it, and is reported as the interrupt.
interrupted: list[int] = []


@contextmanager
def noting_interrupts() -> Iterator[None]:
    """Record Ctrl-C in :data:`interrupted` while raising it as usual (in the main thread only)."""
    interrupted.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def mark_saved(what: str) -> None:
    """Record that ``what`` is now stored for good."""
    saved.append(what)


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C until the block is over: a commit and the record of it happen together or not at all."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        raise KeyboardInterrupt


class UserError(Exception):
    """A failure caused by the user's input or environment, explained in one sentence."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


#: The environment's failures (not the input's): a server answers them 503, naming no path.
ENVIRONMENT = ("No space left on device", "Permission denied", "Read-only file system", "Disk quota exceeded")


def environment_fault(text: str) -> str | None:
    """The environment's failure that ``text`` reports ('No space left on device'), or None."""
    return next((known for known in ENVIRONMENT if known in text), None)


def why(error: BaseException) -> str:
    """The short reason of an OS or DuckDB error, for a sentence: 'No space left on device', not a JSON dump."""
    text = getattr(error, "strerror", None) or str(error)
    known = environment_fault(text)
    if known:
        return known
    first = text.splitlines()[0] if text else type(error).__name__
    return first if len(first) <= 160 else first[:157] + "..."


def damaged(error: BaseException) -> bool:
    """Whether a DuckDB error says a database file is cut short or corrupt (not a full disk)."""
    text = str(error)
    return "Could not read enough bytes" in text or "corrupt" in text.lower() or "checksum" in text.lower()


def log_dir() -> Path:
    """Where crash logs go: ``$IPGAUGE_LOG_DIR``, else ``$XDG_STATE_HOME/ipgauge`` (``~/.local/state/ipgauge``)."""
    if os.environ.get("IPGAUGE_LOG_DIR"):
        return Path(os.environ["IPGAUGE_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "ipgauge"


def log_crash(error: BaseException, incident: str = "", note: str = "") -> Path:
    """Write the traceback of an unexpected error to a new log file and return its path.

    ``incident``: the id a server told its client (in the file's name, so an operator finds it);
    ``note``: a line about what was not logged before it (a server's throttled crashes).

    Falls back to the system's temporary folder when the log folder cannot be written (a full or
    read-only disk must not turn one sentence into a second traceback).
    """
    text = (
        f"ipgauge crashed at {datetime.now().isoformat(timespec='seconds')}\n"
        f"command: {' '.join(sys.argv)}\n"
        + (f"{note}\n" if note else "")
        + "\n"
        + "".join(traceback.format_exception(error))
    )
    # microseconds and the thread: a server's crashes in the same second must not share a log
    name = f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}-{threading.get_ident() % 100000}.log"
    if incident:
        name = name.removesuffix(".log") + f"-{incident}.log"
    for folder in (log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8", errors="backslashreplace")  # argv may not be UTF-8
            return folder / name
        except OSError:
            continue
    return Path("(no writable folder for the log)")
