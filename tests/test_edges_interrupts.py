"""Edge cases of interruptions and resources: Ctrl-C, a full disk, a failed write, memory limits, locks."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import duckdb
import pytest

from conftest import PARTY_HEADER, copy_register, run, snapshot, write_csv
from edges import (
    PARTIES,
    VIP,
    one_line_error,
    small_register,
)
from ipgauge.synth.generate import synthesize


def test_a_failed_write_during_the_merge_is_one_sentence_and_changes_nothing(tmp_path, monkeypatch):
    from ipgauge.register import load as load_module

    db = small_register(tmp_path, 7)
    before = snapshot(db)
    original = load_module.merge

    def full_disk(con, table, *args):
        if table.name == "events":
            raise duckdb.IOException("Could not write file: No space left on device")
        return original(con, table, *args)

    monkeypatch.setattr(load_module, "merge", full_disk)
    other = tmp_path / "other"
    synthesize("small", 9, other)
    message = one_line_error(run("load", other, "--db", db))
    assert "No space left on device" in message and "nothing was loaded" in message
    assert snapshot(db) == before


def test_rejects_on_a_device_that_cannot_take_them(tmp_path):
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES + [["P2", "x", "nonsense", "CN", "", ""]])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    message = one_line_error(run("load", folder, "--db", tmp_path / "r.duckdb", "--rejects", blocker / "sub"))
    assert "cannot write rejected rows" in message


@pytest.mark.parametrize("where", ["load", "indicator"])
def test_ctrl_c_says_nothing_was_changed(tmp_path, monkeypatch, where):
    db = small_register(tmp_path, 7)
    before = snapshot(db)

    def interrupted(*args, **kwargs):
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    if where == "load":
        monkeypatch.setattr("ipgauge.register.load.in_one_transaction", interrupted)
        synthesize("small", 9, tmp_path / "other")  # not the delivery loaded last: that one is recognised and skipped
        result = run("load", tmp_path / "other", "--db", db)
    else:
        monkeypatch.setattr("ipgauge.law.spellfiles.read", interrupted)
        result = run(
            "indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--known-at", "2024-02-02", "--db", db
        )
    assert one_line_error(result, 130) == "error: interrupted; nothing was changed."
    assert snapshot(db) == before


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a real 32 MB filesystem (tmpfs), or None where mounting is not allowed."""
    mount = tmp_path / "full"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], capture_output=True)
    except OSError:
        done = None
    if done is None or done.returncode:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


def test_a_full_disk_is_one_sentence_everywhere(tmp_path, full_disk, monkeypatch):
    """Rejects, an export, a new register and the spells cache on a full disk (a real tmpfs where allowed)."""
    db = small_register(tmp_path, 7)
    bad = tmp_path / "bad"
    write_csv(bad, "parties", PARTY_HEADER, PARTIES + [["P2", "x", "nonsense", "CN", "", ""]])
    if full_disk is None:  # no mount allowed here: the same failures, raised where the disk raises them
        full_disk = tmp_path / "nospace"
        full_disk.mkdir()
        copy_register(db, full_disk / "copy.duckdb")

        def failing(real):
            def call(*args, **kwargs):
                if any(str(a).startswith(str(full_disk)) for a in args if isinstance(a, str | Path)):
                    raise OSError(28, "No space left on device")
                return real(*args, **kwargs)

            return call

        monkeypatch.setattr("ipgauge.register.rejects.tempfile.mkstemp", failing(tempfile.mkstemp))
        monkeypatch.setattr("ipgauge.register.store.os.replace", failing(os.replace))
        monkeypatch.setattr("ipgauge.register.store.duckdb.connect", failing(duckdb.connect))
    else:
        copy_register(db, full_disk / "copy.duckdb")
        _fill(full_disk)
    before = snapshot(db)
    assert "No space left on device" in one_line_error(run("load", bad, "--db", db, "--rejects", full_disk / "rej"))
    assert snapshot(db) == before
    assert "No space left on device" in one_line_error(run("export", "--out", full_disk / "ex", "--db", db))
    assert not list((full_disk / "ex").glob("*.parquet"))
    one_line_error(run("load", tmp_path / "synth-7", "--db", full_disk / "new.duckdb"))
    # a figure needs no space: the spells are kept in the register, not written per question
    answered = run("indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--db", full_disk / "copy.duckdb")
    assert answered.exit_code == 0, answered.stderr


def test_ctrl_c_while_a_file_is_read(tmp_path):
    db = small_register(tmp_path, 7)
    before = snapshot(db)
    synthesize("small", 9, tmp_path / "other")  # the delivery loaded last would be recognised and skipped
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        from ipgauge.register import reader
        real = reader._csv_batches
        def slow(*a, **k):
            for i, batch in enumerate(real(*a, **k)):
                yield batch
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)
        reader._csv_batches = slow
        from ipgauge.cli import app
        sys.argv = ["ipgauge", "load", {str(tmp_path / "other")!r}, "--db", {str(db)!r}]
        app()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, text=True)
    assert proc.returncode == 130 and proc.stderr.strip() == "error: interrupted; nothing was changed.", proc.stderr
    assert snapshot(db) == before


def test_a_tiny_memory_limit_and_a_locked_register(tmp_path):
    db = small_register(tmp_path, 7)
    result = run(
        "indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--db", db, env={"IPGAUGE_MEMORY_LIMIT": "1KB"}
    )
    assert "too small" in one_line_error(result)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        message = one_line_error(run("load", tmp_path / "synth-7", "--db", db))
        assert f"is in use by another ipgauge process (PID {holder.pid})" in message
    finally:
        holder.kill()
        holder.wait()


def test_ctrl_c_after_the_commit_says_the_delivery_was_saved(tmp_path):
    db = small_register(tmp_path, 7)
    other = tmp_path / "other"
    synthesize("small", 9, other)
    script = textwrap.dedent(f"""
        import os, signal, sys, time
        import ipgauge.cli.deliveries as deliveries
        from ipgauge.cli import app
        def late(report):  # Ctrl-C while the report is printed, after the commit
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        deliveries.print_load_report = late
        sys.argv = ["ipgauge", "load", {str(other)!r}, "--db", {str(db)!r}]
        app()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, text=True)
    assert proc.returncode == 130
    assert proc.stderr.strip() == "error: interrupted after delivery 2 was saved; that part is complete."
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM deliveries").fetchall()[0][0] == 2
    con.close()


def test_memory_limit_that_is_not_an_amount(tmp_path):
    db = small_register(tmp_path, 7)
    result = run(
        "indicator", VIP, "--region", "CN", "--as-of", "2024-01-01", "--db", db, env={"IPGAUGE_MEMORY_LIMIT": "lots"}
    )
    assert "IPGAUGE_MEMORY_LIMIT 'lots' is not an amount" in one_line_error(result)
