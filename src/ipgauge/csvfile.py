"""CSV for people: cells a spreadsheet would run as formulas are written as text.

Excel, LibreOffice and Numbers run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, through
some importers, a tab or a carriage return) as a formula — so a party name or a case outcome such as
``=HYPERLINK("http://…")`` in a CSV served by the API, printed by ``--format csv`` or written in a
release would be executed by whoever opens it (CSV injection). Such a cell gets a leading apostrophe,
as the workbooks already do by typing the cell as text; a plain number (``-12.5``) is left as it is.

Interchange files stay byte for byte what they hold: a canonical delivery written by an importer, and
a delivery's ``REJECTS/`` (the rows as received, to be corrected and delivered again).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?")


#: A formula after a ';' inside a cell: Excel in locales whose list separator is ';' splits the cell there.
_AFTER_SEMICOLON = re.compile(r";(?=[=+@\t\r]|-(?![\d.]+(?:;|$)))")


def safe(value: Any) -> Any:
    """``value`` as a cell no spreadsheet runs: text starting like a formula gets a leading apostrophe.

    So does every part after a ``;`` that starts like one ("ACME;=cmd|…" becomes "ACME;'=cmd|…"):
    a German or French Excel opening the file splits cells at ``;``.
    """
    if not isinstance(value, str):
        return value
    if ";" in value:
        value = _AFTER_SEMICOLON.sub(";'", value)
    if value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class Writer:
    """``csv.writer`` with every cell made safe (newline-terminated rows)."""

    def __init__(self, f) -> None:
        self._w = csv.writer(f, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """One row."""
        self._w.writerow([safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Many rows."""
        self._w.writerows([safe(v) for v in r] for r in rows)


class DictWriter(csv.DictWriter):
    """``csv.DictWriter`` with every cell made safe (newline-terminated rows)."""

    def __init__(self, f, fieldnames, **kwargs) -> None:
        super().__init__(f, fieldnames, lineterminator="\n", **kwargs)

    def writerow(self, rowdict: dict) -> Any:
        """One row."""
        return super().writerow({k: safe(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[dict]) -> None:
        """Many rows."""
        for r in rowdicts:
            self.writerow(r)
