"""Values written into SQL text: the one place that quotes, for where a parameter cannot be bound.

Values are bound as parameters (``?``) wherever DuckDB takes them, file paths included. What goes
through this module instead is SQL text that is kept or compiled before it runs: SQL built from the
rule set and the law (a view, a validation rule or a ``CASE`` written once and run for every row,
and hashed into digests), with the dates that frame it; and a path inside such text, or one a
glob-expanding reader (``read_parquet`` on DuckDB, Hadoop under Spark) must take literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from ipgauge.errors import UserError


def quoted(text: str) -> str:
    """A SQL string literal: ``O'Brien`` → ``'O''Brien'``."""
    return "'" + str(text).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A SQL identifier, quoted: a database named ``my-register`` or ``O"Brien``."""
    return '"' + name.replace('"', '""') + '"'


def quoted_list(values: Iterable[str]) -> str:
    """A SQL list of string literals, each once, in order: ``('a', 'b')``."""
    return "(" + ", ".join(quoted(v) for v in sorted(set(values))) + ")"


def day(d: date | str) -> str:
    """A SQL date literal, ``DATE '2025-04-30'`` (the value checked to be a date first)."""
    return f"DATE '{date.fromisoformat(str(d)).isoformat()}'"


def path_literal(path: Path | str) -> str:
    """``path`` as DuckDB reads it literally: its glob characters escaped (a folder named ``g[1]`` is not a pattern).

    DuckDB expands ``*``, ``?`` and ``[…]`` in every file name it reads; a character class of one
    (``[[]``) stands for the character itself. The path is made absolute first: DuckDB joins a
    relative one to the working folder unescaped, and that folder may be named like a pattern too.
    Use it inside :func:`quoted`.
    """
    return re.sub(r"([\[*?])", r"[\1]", str(Path(path).resolve()))


#: The characters Hadoop, under Spark, expands in a path.
_HADOOP_GLOB = re.compile(r"([\\{}\[\]*?])")


def engine_path(engine: str, path: Path) -> str:
    """``path`` as the engine named ``engine`` reads it literally: both expand glob characters.

    DuckDB takes a character class of one (``[[]``); Hadoop, under Spark, a backslash — on an absolute
    path, since Spark resolves a relative one against a working folder it does not escape.
    """
    if engine == "duckdb":
        return path_literal(path)
    text = str(path.resolve())
    if ":" in text and _HADOOP_GLOB.search(text):  # Hadoop then reads the escaped name as a URI
        raise UserError(
            f"Spark cannot read files under {text}, whose name has a ':' and one of {{ }} [ ] * ?; move it."
        )
    return _HADOOP_GLOB.sub(r"\\\1", text)
