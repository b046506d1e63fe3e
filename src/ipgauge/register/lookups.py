"""Small questions the command line asks of a register: what it holds, a patent or a party to show."""

from __future__ import annotations

import duckdb

from ipgauge.register.store import scalar


def current_patent_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The ids of the patents the register holds now."""
    return {r[0] for r in con.execute("SELECT patent_id FROM patents WHERE known_to IS NULL").fetchall()}


def first_granted_patent(con: duckdb.DuckDBPyConnection) -> str | None:
    """A granted patent of the register (the first by id), to show a status on."""
    rows = con.execute(
        "SELECT patent_id FROM patents WHERE grant_date IS NOT NULL AND known_to IS NULL ORDER BY patent_id LIMIT 1"
    ).fetchall()
    return rows[0][0] if rows else None


def party_named(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The party id of the first party with exactly this name, or None."""
    rows = con.execute("SELECT party_id FROM parties WHERE name = ? ORDER BY party_id LIMIT 1", [name]).fetchall()
    return rows[0][0] if rows else None  # fetchall: a half-read result would block the connection's next statement


def holdings(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    """What a register holds: its deliveries, how many of them are real (not synthetic), its releases."""
    deliveries, real = con.execute("SELECT count(*), count(*) FILTER (WHERE NOT synthetic) FROM deliveries").fetchall()[
        0
    ]
    releases = scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'releases'")
    return deliveries, real, scalar(con, "SELECT count(*) FROM releases") if releases else 0
