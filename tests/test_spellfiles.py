"""The spells' files on disk (law/spellfiles.py): checked on open, atomic under kill -9, compacted, baked, upgraded.

Split from test_edges.py so that make test's workers share the slow register-building tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import copy_register, run
from ipgauge.register import store
from ipgauge.synth.generate import synthesize
from test_edges import law_tables, small_register, value


def stored_spells(db: Path) -> list[str]:
    """Every stored spell row (the files the register lists, read through its view), in a stable order."""
    con = store.connect(db, read_only=True)
    try:
        return sorted(map(repr, con.execute("SELECT * FROM spells").fetchall()))
    finally:
        con.close()


def test_a_tampered_or_half_written_cache_is_recomputed_and_orphans_are_removed(tmp_path):
    db = small_register(tmp_path, 7)
    cached, rows = law_tables(db)
    assert rows > 0
    for f in cached.rglob("*.parquet"):
        f.write_bytes(b"not parquet")  # same name, other content: the size no longer matches the key file
    orphan = cached.parent / f".{cached.name}-999999999"  # a process that died mid-computation
    (orphan / "history").mkdir(parents=True)
    assert law_tables(db) == (cached, rows)
    assert not orphan.exists()


def test_a_missing_or_changed_spells_file_is_rebuilt_never_read(tmp_path):
    db = small_register(tmp_path, 7)
    truth, rows = value(db), stored_spells(db)
    files = sorted((db.parent / f"{db.name}.spells").glob("*-rows-*.parquet"))
    assert files and rows
    files[0].write_bytes(files[0].read_bytes()[:-9] + b"tampered!")  # the same size, other bytes
    assert value(db) == truth and stored_spells(db) == rows
    files = sorted((db.parent / f"{db.name}.spells").glob("*-rows-*.parquet"))
    files[-1].unlink()
    assert value(db) == truth and stored_spells(db) == rows
    closures = next((db.parent / f"{db.name}.spells").glob("*-closures-*.parquet"))  # not the first file of a view
    kept = closures.stat()
    closures.write_bytes(os.urandom(kept.st_size))
    os.utime(closures, ns=(kept.st_atime_ns, kept.st_mtime_ns))  # its size and time as written
    assert value(db) == truth and stored_spells(db) == rows


# -- kill -9 while a load writes the spells' files -------------------------------------------------


@pytest.fixture(scope="module")
def two_states(tmp_path_factory) -> tuple[Path, Path, tuple, tuple]:
    """A register of one delivery, a second delivery, and the (figure, spells) before and after it."""
    tmp = tmp_path_factory.mktemp("two-states")
    db = small_register(tmp, 7)
    twin = copy_register(db, tmp / "twin.duckdb")
    other = tmp / "other"
    synthesize("small", 9, other)
    assert run("load", other, "--db", twin).exit_code == 0
    before, truth = (value(db), stored_spells(db)), (value(twin), stored_spells(twin))
    assert before != truth
    return db, other, before, truth


@pytest.mark.parametrize(
    ("target", "after", "point"),
    [
        ("ipgauge.law.spellfiles.write", 1, "with the delivery's closures written, before its spells"),
        ("ipgauge.law.spellfiles.compact", 0, "with every file of the delivery written and listed"),
        ("ipgauge.register.transaction.uninterrupted", 0, "with the state recorded, at the commit"),
    ],
)
def test_a_load_killed_while_writing_spells_leaves_the_last_good_state(tmp_path, two_states, target, after, point):
    first, other, before, truth = two_states
    db = copy_register(first, tmp_path / "r.duckdb")
    owner, attr = target.rsplit(".", 1)
    script = textwrap.dedent(f"""
        import importlib, os, signal, sys
        mod = importlib.import_module({owner!r})
        real, calls = getattr(mod, {attr!r}), []
        def dying(*a, **k):
            if len(calls) >= {after}:
                os.kill(os.getpid(), signal.SIGKILL)
            calls.append(1)
            return real(*a, **k)
        setattr(mod, {attr!r}, dying)
        from ipgauge.cli import app
        sys.argv = ["ipgauge", "load", {str(other)!r}, "--db", {str(db)!r}]
        app()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, (point, proc.stderr.decode()[-500:])
    folder = db.parent / f"{db.name}.spells"
    assert (value(db), stored_spells(db)) == before, point
    dead = {p.name for p in folder.iterdir()} - listed_files(db)
    assert dead, point  # the killed load wrote files, listed nowhere
    assert run("load", other, "--db", db).exit_code == 0, point
    assert (value(db), stored_spells(db)) == truth, point
    assert not dead & {p.name for p in folder.iterdir()}, point  # the dead load's files are gone
    assert listed_files(db) <= {p.name for p in folder.iterdir()}, point


def listed_files(db: Path) -> set[str]:
    """The spells files the register lists."""
    con = store.connect(db, read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT file FROM spell_files").fetchall()}
    finally:
        con.close()


def test_compacted_files_give_the_same_spells_and_are_removed_later(tmp_path, two_states, monkeypatch):
    """With a limit of two files, a delivery merges; the spells read the same as a register never merged."""
    first, other, _, truth = two_states
    monkeypatch.setattr("ipgauge.law.spellfiles.MAX_FILES", 2)
    monkeypatch.setattr("ipgauge.law.spellfiles.BAKE_SHARE", 1e9)  # merged, not baked
    db = copy_register(first, tmp_path / "r.duckdb")
    folder = db.parent / f"{db.name}.spells"
    assert run("load", other, "--db", db).exit_code == 0
    con = store.connect(db, read_only=True)
    parts = dict(con.execute("SELECT part, count(*) FROM spell_files GROUP BY 1").fetchall())
    merged = store.scalar(con, "SELECT count(*) FROM spell_files WHERE file LIKE '%-merged-%'")
    listed = {r[0] for r in con.execute("SELECT file FROM spell_files").fetchall()}
    con.close()
    assert parts["rows"] <= 2 and parts["closures"] <= 2 and merged > 0, parts
    assert (value(db), stored_spells(db)) == truth
    waiting = {p.name for p in folder.iterdir()} - listed
    assert waiting  # the merged-away files wait for the next load: a reader may still hold the old list
    synthesize("small", 11, tmp_path / "d11")
    assert run("load", tmp_path / "d11", "--db", db).exit_code == 0
    assert not waiting & {p.name for p in folder.iterdir()}


def test_closures_baked_into_the_rows_read_the_same_and_close_again(tmp_path, two_states, monkeypatch):
    """Past the share, a load writes its closures into the rows; later closures still close them."""
    first, other, _, truth = two_states
    unbaked = copy_register(first, tmp_path / "unbaked.duckdb")
    monkeypatch.setattr("ipgauge.law.spellfiles.BAKE_SHARE", 0)
    db = copy_register(first, tmp_path / "r.duckdb")
    assert run("load", other, "--db", db).exit_code == 0
    con = store.connect(db, read_only=True)
    closures = store.scalar(con, "SELECT sum(rows) FROM spell_files WHERE part = 'closures'")
    closed = store.scalar(con, "SELECT count(*) FROM spell_rows WHERE closed_by IS NOT NULL")
    files = [r[0] for r in con.execute("SELECT file FROM spell_files WHERE part = 'rows'").fetchall()]
    con.close()
    assert closures == 0 and closed > 0 and len(files) == 1 and "-baked-" in files[0], (closures, closed, files)
    assert (value(db), stored_spells(db)) == truth
    monkeypatch.setattr("ipgauge.law.spellfiles.BAKE_SHARE", 1e9)  # the next closures are joined again
    synthesize("small", 11, tmp_path / "d11")
    for register in (db, unbaked):
        if register == unbaked:
            assert run("load", other, "--db", register).exit_code == 0
        assert run("load", tmp_path / "d11", "--db", register).exit_code == 0
    assert (value(db), stored_spells(db)) == (value(unbaked), stored_spells(unbaked))
    con = store.connect(db, read_only=True)
    assert store.scalar(con, "SELECT sum(rows) FROM spell_files WHERE part = 'closures'") > 0
    con.close()


def aged(db: Path) -> Path:
    """``db`` with spells files as an earlier ipgauge wrote them: no ``closed_by`` column, another law digest."""
    con = duckdb.connect(str(db))
    for (name,) in con.execute("SELECT file FROM spell_files WHERE part = 'rows'").fetchall():
        path = db.parent / f"{db.name}.spells" / name
        pq.write_table(pq.read_table(path).drop_columns(["closed_by"]), path)
        st = path.stat()
        con.execute(
            "UPDATE spell_files SET bytes = ?, written_s = ? WHERE file = ?", [st.st_size, int(st.st_mtime), name]
        )
    con.execute("UPDATE meta SET value = 'an-earlier-law:' || split_part(value, ':', 2) WHERE key = 'spells'")
    con.close()
    return db


def test_spells_files_of_an_earlier_form_are_rebuilt_not_read(tmp_path, two_states, monkeypatch):
    """Read or loaded into, a register whose files an earlier ipgauge wrote is rebuilt, never read as is."""
    first, other, _, truth = two_states
    monkeypatch.setattr("ipgauge.law.spellfiles.BAKE_SHARE", 1e9)  # closures kept apart: the view joins them
    db = copy_register(first, tmp_path / "r.duckdb")
    assert run("load", other, "--db", db).exit_code == 0
    assert (value(aged(db)), stored_spells(db)) == truth
    result = run("load", other, "--db", aged(db))  # a writer opens it too (the delivery is known: nothing loaded)
    assert result.exit_code == 0, result.output
    assert (value(db), stored_spells(db)) == truth
