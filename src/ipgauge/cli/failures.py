"""Every failure of the command line as one sentence on stderr with its exit status, never a traceback."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TypeVar

import duckdb
import typer
from typer._click.exceptions import NoArgsIsHelpError  # typer 0.29 vendors click; pinned
from typer.core import TyperGroup

from ipgauge.console import err, flush_notes
from ipgauge.errors import UserError, damaged, interrupted, log_crash, noting_interrupts, saved, why

INTERRUPTED = "interrupted; nothing was changed."


class OneSentence(TyperGroup):
    """The command group whose every failure, usage errors and bugs included, is one line on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D102
        saved.clear()
        try:
            with noting_interrupts():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:  # `ipgauge` alone: the help, as asked
            typer.echo(e.ctx.get_help())
            code = 0
        except typer.TyperException as e:
            hint = f" (see `{e.ctx.command_path} --help`)" if getattr(e, "ctx", None) else ""
            message = e.format_message().replace("Value error, ", "")  # typer's wording of a bad choice
            _say(f"{message.rstrip('.')}{hint}.")
            code = 2
        except (typer.Abort, KeyboardInterrupt, duckdb.InterruptException) as e:
            message, code = _explain(e) or (INTERRUPTED, 130)
            _say(message)
        except BrokenPipeError:  # `ipgauge screen … | head`: the reader has what it wanted, nothing to say
            _quiet_stdout()
            code = 0
        except Exception as e:
            known = _explain(e)
            if known is None and os.environ.get("IPGAUGE_DEBUG"):
                raise
            message, code = known or (  # a bug: one sentence, the traceback in a log file, its own status
                f"unexpected error ({type(e).__name__}); this is a bug in ipgauge — the details are in "
                f"{log_crash(e)}; please report it.",
                3,
            )
            _say(message)
        code = code if isinstance(code, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so that Python's exit flush does not raise a second BrokenPipeError."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner's capture): nothing to silence
        pass


def _explain(e: BaseException) -> tuple[str, int] | None:
    """The sentence and exit status for a failure that is not a bug (None for a bug)."""
    if isinstance(e, UserError):
        return str(e), e.exit_code
    if (
        isinstance(e, typer.Abort | KeyboardInterrupt | duckdb.InterruptException)
        or interrupted
        or (
            isinstance(e, RuntimeError) and str(e).strip().lower() == "query interrupted"  # Ctrl-C inside DuckDB
        )
    ):
        if saved:  # the work was stored before the interrupt arrived: say so, never "nothing changed"
            return f"interrupted after {saved[-1]} was saved; that part is complete.", 130
        return INTERRUPTED, 130
    if isinstance(e, duckdb.OutOfMemoryException):
        from ipgauge.register.store import memory_limit

        return f"the engine ran out of memory ({why(e)}); raise IPGAUGE_MEMORY_LIMIT (now {memory_limit()}).", 2
    if isinstance(e, OSError):  # the environment: a name too long, a permission, a full or read-only disk
        return f"cannot use {e.filename or 'a file'} ({why(e)}).", 2
    if isinstance(e, duckdb.IOException | duckdb.TransactionException | duckdb.SerializationException):
        if damaged(e):
            return f"a register file is damaged (truncated or overwritten): {why(e)}", 2
        return f"a file could not be read or written ({why(e)}); nothing was changed.", 2
    return None


def _say(message: str) -> None:
    err.print(f"error: {message}", soft_wrap=True)


F = TypeVar("F", bound=Callable)


def guarded(fn: F) -> F:
    """Turn user errors, Ctrl-C and the environment's failures into one sentence and an exit status."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        flush_notes(keep=False)
        try:
            result = fn(*args, **kwargs)
        except typer.Exit:
            flush_notes()
            raise
        except BrokenPipeError:  # the reader of stdout went away (`| head`): quiet, in main
            raise
        except (Exception, KeyboardInterrupt) as e:
            flush_notes(keep=False)  # a failure is one sentence: notes made on the way are dropped
            known = _explain(e)
            if known is None:
                raise
            _say(known[0])
            raise typer.Exit(known[1]) from None
        flush_notes()
        return result

    return wrapper  # type: ignore[return-value]
