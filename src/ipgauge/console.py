"""Terminal output shared by the commands.

One stderr console for messages, and a progress bar that stays quiet when nobody is watching.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as Bars
from rich.text import Text

#: No markup, emoji codes or highlighting: names, paths and register text are printed as they are
#: (a trademark called "[/x]" or ":skull:" is text, not a style or a picture); styles come from
#: :func:`styled` only.
PLAIN = {"markup": False, "emoji": False, "highlight": False}
err = Console(stderr=True, **PLAIN)
out = Console(**PLAIN)
if not out.is_terminal:  # a pipe or a file: print whole values, never cut to a made-up 80 columns
    out = Console(width=100_000, **PLAIN)


_notes: list[str] = []


def note(text: str) -> None:
    """A 'note:' for stderr, printed when the command succeeds (a failure prints its one sentence only)."""
    _notes.append(text)


def flush_notes(keep: bool = True) -> None:
    """Print the pending notes (or drop them, when the command failed)."""
    if keep:
        for text in _notes:
            err.print(f"note: {text}", soft_wrap=True)
    _notes.clear()


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line from plain text and (text, style) pairs: the only way ipgauge styles its output."""
    return Text.assemble(*parts)


#: How long work says how far it is: ``tick(description, done, total)`` (a total of 0: not known). What
#: :func:`progress_bar` yields, and what loads, upkeep, the synthetic generator and the claims index call.
Progress = Callable[[str, int, int], None]


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """Yield ``tick(description, done, total)``; a total of 0 shows an indeterminate bar."""
    with Bars(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def tick(description: str, done: int, total: int) -> None:
            if description not in tasks:
                tasks[description] = bar.add_task(description, total=total or None)
            bar.update(tasks[description], completed=done)

        yield tick
