from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import typer.testing
from typer.testing import CliRunner

from ipgauge.cli import app
from ipgauge.register import store
from ipgauge.synth.generate import synthesize

#: The parties columns most tests write (the optional name_en left out).
PARTY_HEADER = ["party_id", "name", "party_type", "country", "region_code", "address"]


@pytest.fixture(scope="session")
def small_delivery(tmp_path_factory) -> Path:
    """A small synthetic delivery, written once per test session (treat it as read-only)."""
    folder = tmp_path_factory.mktemp("small")
    synthesize("small", 7, folder)
    return folder


_build = typer.testing._get_command
_command = _build(app)
# typer builds the click command anew on every invoke (90 ms, a third of a small load): build it once
typer.testing._get_command = lambda given: _command if given is app else _build(given)


def run(*args: str, env: dict | None = None):
    """Run the real command line in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)


def write_csv(folder: Path, name: str, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def read_rejects(folder: Path, table: str) -> list[dict]:
    with open(folder / "REJECTS" / f"{table}.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def snapshot(db: Path) -> dict[str, list]:
    """Every row of every table of the store, and every stored spell, in a stable order.

    Delivery timestamps are left out, and so is the list of the spells' files (their names are random
    and their times the writing's): the spells are compared by their rows instead.
    """
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        out = {}
        for t in sorted(set(tables) - {"spell_files"}):
            cols = "* EXCLUDE (loaded_at)" if t == "deliveries" else "*"
            out[t] = sorted(map(repr, con.execute(f"SELECT {cols} FROM {t}").fetchall()))
    finally:
        con.close()
    if "spell_files" in tables:
        con = store.connect(db, read_only=True)
        try:
            out["spells"] = sorted(map(repr, con.execute("SELECT * FROM spells").fetchall()))
        finally:
            con.close()
    return out


def copy_register(db: Path, to: Path) -> Path:
    """A copy of the register at ``db``, with its spells' files (their times kept, as ``cp -p`` keeps them)."""
    shutil.copy(db, to)
    spells = db.parent / f"{db.name}.spells"
    if spells.is_dir():
        shutil.copytree(spells, to.parent / f"{to.name}.spells")
    return to


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def serving(db: Path, *options: str, ready: str = "/v1/openapi.json"):
    """``ipgauge serve`` on a free loopback port, started and waited for: (process, base URL, port)."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "ipgauge", "serve", "--db", str(db), "--port", str(port), "--rate-limit", "0"]
    proc = subprocess.Popen([*cmd, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(base + ready, timeout=1)
            return proc, base, port
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("the server did not start: " + proc.stderr.read().decode())
