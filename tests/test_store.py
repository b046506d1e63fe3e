"""The store: idempotence, supersession with history, atomicity, export, the --db/IPGAUGE_DB switch."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from conftest import run, snapshot
from ipgauge.register import load as load_module


def loaded(small_delivery: Path, tmp_path: Path) -> Path:
    db = tmp_path / "r.duckdb"
    result = run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rejects")
    assert result.exit_code == 0, result.stderr
    return db


def test_loading_twice_changes_nothing(small_delivery, tmp_path):
    db = loaded(small_delivery, tmp_path)
    before = snapshot(db)
    result = run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rejects")
    assert result.exit_code == 0
    assert snapshot(db) == before
    assert "unchanged" in result.stdout


def test_a_byte_identical_reload_is_skipped_only_while_it_is_the_last_delivery(small_delivery, tmp_path):
    db = loaded(small_delivery, tmp_path)
    again = run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rejects")
    assert again.exit_code == 0 and "byte for byte delivery 1" in again.stdout
    later = tmp_path / "later"
    _rewrite(small_delivery, later, "patents", lambda rows: rows[0].update(title="一种改正后的标题"))
    assert run("load", later, "--db", db, "--recorded-on", "2025-09-01", "--rejects", tmp_path / "rj").exit_code == 0
    back = run("load", small_delivery, "--db", db, "--recorded-on", "2025-10-01", "--rejects", tmp_path / "rj")
    assert back.exit_code == 0 and "byte for byte" not in back.stdout  # not the last one: loaded in full
    con = duckdb.connect(str(db), read_only=True)
    try:
        titles = con.execute("SELECT count(*) FROM patents WHERE title = '一种改正后的标题'").fetchall()[0][0]
        current = con.execute(
            "SELECT count(*) FROM patents WHERE title = '一种改正后的标题' AND known_to IS NULL"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert (titles, current) == (1, 0)  # the first delivery's title is back, the correction kept as history


def test_a_delivery_is_recognised_by_any_later_process(small_delivery, tmp_path):
    db = tmp_path / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    for seed in ("1", "2", "3"):  # the rules' digest must not depend on a process's string hashing
        again = subprocess.run(
            [sys.executable, "-m", "ipgauge", "load", small_delivery, "--db", db, "--rejects", tmp_path / "rj"],
            env={**os.environ, "PYTHONHASHSEED": seed, "COLUMNS": "200"},
            capture_output=True,
            text=True,
        )
        assert again.returncode == 0 and "byte for byte delivery 1" in again.stdout, (seed, again.stdout[-300:])


def test_files_unchanged_since_their_last_load_are_not_read_again(small_delivery, tmp_path, monkeypatch):
    later = tmp_path / "later"
    _rewrite(small_delivery, later, "patents", lambda rows: rows[0].update(title="一种改正后的标题"))
    outcome = {}
    for short_cut in (True, False):
        if not short_cut:  # the same two loads, every file read
            monkeypatch.setattr(load_module, "same_file", lambda *_: None)
        db = tmp_path / f"{short_cut}.duckdb"
        assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
        result = run("load", later, "--db", db, "--recorded-on", "2025-09-01", "--rejects", tmp_path / "rj")
        assert result.exit_code == 0, result.stderr
        outcome[short_cut] = db, " ".join(result.stdout.split())
    said = outcome[True][1]
    assert "Unchanged files, not read again: parties.csv (as loaded by delivery 1)" in said
    assert "trademarks.csv (as loaded by delivery 1)" in said and "patents.csv (as" not in said
    assert "events.csv (as" not in said  # its rights were read again: so are they
    assert "not read again" not in outcome[False][1]
    same, read = (snapshot(outcome[k][0]) for k in (True, False))
    assert same.pop("meta") != read.pop("meta")  # two registers: two store ids
    files = {k: duckdb.connect(str(outcome[k][0]), read_only=True) for k in outcome}
    skipped = {
        k: c.execute("SELECT table_name FROM delivery_files WHERE same_as = 1").fetchall() for k, c in files.items()
    }
    for c in files.values():
        c.close()
    assert ("parties",) in skipped[True] and skipped[False] == []
    same.pop("delivery_files"), read.pop("delivery_files")
    assert same == read  # skipping changed nothing


def test_an_unchanged_file_is_read_again_when_its_rights_changed_since_or_it_is_recorded_earlier(
    small_delivery, tmp_path
):
    db = loaded(small_delivery, tmp_path)
    patents, events = tmp_path / "patents", tmp_path / "events"
    _rewrite(small_delivery, patents, "patents", lambda rows: rows[0].update(title="一种改正后的标题"))
    events.mkdir()
    shutil.copy(small_delivery / "events.csv", events / "events.csv")
    for p in patents.iterdir():
        if p.name not in ("patents.csv", "manifest.json"):
            p.unlink() if p.is_file() else shutil.rmtree(p)
    assert run("load", patents, "--db", db, "--recorded-on", "2025-09-01", "--rejects", tmp_path / "rj").exit_code == 0
    again = run("load", events, "--db", db, "--recorded-on", "2025-09-02", "--rejects", tmp_path / "rj")
    assert again.exit_code == 0 and "not read again" not in again.stdout  # its patents changed since
    earlier = run("load", small_delivery, "--db", db, "--recorded-on", "2023-01-01", "--rejects", tmp_path / "rj")
    assert "byte for byte" not in earlier.stdout and "cases.csv (as" not in " ".join(earlier.stdout.split())


def test_a_load_that_fails_leaves_the_last_loads_rejects_as_they_were(small_delivery, tmp_path):
    rejects = tmp_path / "rj"
    first, second = tmp_path / "first", tmp_path / "second"
    _rewrite(small_delivery, first, "patents", lambda rows: rows[0].update(filing_date="2021-02-30"))
    _rewrite(small_delivery, second, "patents", lambda rows: rows[1].update(filing_date="2021-02-31"))
    (second / "events.csv").write_bytes((small_delivery / "events.csv").read_text("utf-8").encode("utf-16"))
    db = tmp_path / "r.duckdb"
    assert run("load", first, "--db", db, "--rejects", rejects).exit_code == 1
    kept = {p.name: p.read_bytes() for p in rejects.iterdir()}
    failed = run("load", second, "--db", db, "--rejects", rejects)
    assert failed.exit_code == 2 and "events.csv is not UTF-8" in failed.stderr
    assert {p.name: p.read_bytes() for p in rejects.iterdir()} == kept  # no half-written load's rejects


def test_a_killed_loads_pending_rejects_are_removed_by_the_next_load(small_delivery, tmp_path):
    rejects = tmp_path / "rj"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed, living = rejects / f".pending-{dead.stdout.strip()}-0a1b2c3d", rejects / f".pending-{os.getpid()}-0a1b2c3d"
    foreign = rejects / f".pending-{dead.stdout.strip()}-0a1b2c3e"
    for folder in (killed, living, foreign):
        folder.mkdir(parents=True)
        (folder / "patents.csv").write_text("half written", encoding="utf-8")
    (killed / ".events-x1y2.csv").write_text("a temporary file", encoding="utf-8")
    (foreign / "thesis.docx").write_text("not a load's", encoding="utf-8")
    assert run("load", small_delivery, "--db", tmp_path / "r.duckdb", "--rejects", rejects).exit_code == 0
    assert not killed.exists() and living.exists()  # another living load's pending rejects are its own
    assert (foreign / "thesis.docx").exists()  # a folder holding anything a load does not write is left alone


def test_a_file_that_lost_rows_is_read_again(small_delivery, tmp_path):
    bad = tmp_path / "bad"
    _rewrite(small_delivery, bad, "patents", lambda rows: rows[0].update(filing_date="2021-02-30"))
    db = tmp_path / "r.duckdb"
    for _ in range(2):
        result = run("load", bad, "--db", db, "--rejects", tmp_path / "rj")
        assert result.exit_code == 1
        assert (tmp_path / "rj" / "patents.csv").exists()
        (tmp_path / "rj" / "patents.csv").unlink()
    said = " ".join(result.stdout.split())
    assert "parties.csv (as loaded by delivery 1)" in said and "patents.csv (as" not in said


def _rewrite(src: Path, dst: Path, table: str, change) -> None:
    shutil.copytree(src, dst)
    with open(src / f"{table}.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    change(rows)
    with open(dst / f"{table}.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_a_changed_record_supersedes_and_keeps_history(small_delivery, tmp_path):
    db = loaded(small_delivery, tmp_path)
    later = tmp_path / "later"

    def retitle(rows):
        rows[0]["title"] = "一种改正后的标题"

    _rewrite(small_delivery, later, "patents", retitle)
    result = run("load", later, "--db", db, "--recorded-on", "2025-09-01", "--rejects", tmp_path / "rejects")
    assert result.exit_code == 0, result.stderr
    con = duckdb.connect(str(db), read_only=True)
    pid = con.execute("SELECT patent_id FROM patents WHERE title = '一种改正后的标题'").fetchall()[0][0]
    versions = con.execute(
        "SELECT title, known_from, known_to, delivery_id FROM patents WHERE patent_id = ? ORDER BY known_from", [pid]
    ).fetchall()
    assert len(versions) == 2
    (old_title, _, old_to, d1), (new_title, new_from, new_to, d2) = versions
    assert new_title == "一种改正后的标题" and old_title != new_title
    assert str(old_to) == "2025-09-01" and str(new_from) == "2025-09-01" and new_to is None and d2 == d1 + 1

    def as_known(k: str) -> str:
        return con.execute(
            "SELECT title FROM patents WHERE patent_id = ? AND known_from <= ? AND (known_to IS NULL OR known_to > ?)",
            [pid, k, k],
        ).fetchall()[0][0]

    assert as_known("2025-08-31") == old_title
    assert as_known("2025-09-01") == new_title
    assert (
        con.execute("SELECT count(*) FROM patents WHERE known_to IS NULL").fetchall()[0][0]
        == con.execute("SELECT count(DISTINCT patent_id) FROM patents").fetchall()[0][0]
    )
    con.close()
    (row,) = [line.split("│") for line in result.stdout.splitlines() if "patents.csv" in line]
    assert row[4].strip() == "1"  # the "changed" column


def test_interrupt_in_the_middle_of_the_commit_leaves_the_store_as_it_was(small_delivery, tmp_path, monkeypatch):
    db = loaded(small_delivery, tmp_path)
    later = tmp_path / "later"
    _rewrite(small_delivery, later, "parties", lambda rows: rows[0].update(name="新名字"))
    before = snapshot(db)
    real_merge = load_module.merge
    calls = []

    def merge_then_interrupt(*args, **kwargs):
        real_merge(*args, **kwargs)
        calls.append(args[1].name)
        if len(calls) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(load_module, "merge", merge_then_interrupt)
    result = run("load", later, "--db", db, "--recorded-on", "2025-09-01", "--rejects", tmp_path / "rejects")
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert calls == ["parties", "patents", "trademarks"]  # merged before the interrupt (families.csv: unchanged)
    assert snapshot(db) == before


def test_a_killed_load_leaves_the_store_as_it_was(small_delivery, tmp_path):
    db = loaded(small_delivery, tmp_path)
    later = tmp_path / "later"
    _rewrite(small_delivery, later, "parties", lambda rows: rows[0].update(name="新名字"))
    before = snapshot(db)
    # a real process, killed with SIGKILL while its transaction is open (after merging two tables)
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from ipgauge.register import load
        real, n = load.merge, []
        def merge(*a, **k):
            real(*a, **k); n.append(1)
            if len(n) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
        load.merge = merge
        load.load_delivery(Path({str(later)!r}), Path({str(db)!r}), rejects_dir=Path({str(tmp_path / "rj")!r}))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(db) == before


def test_db_path_from_environment(small_delivery, tmp_path):
    db = tmp_path / "env.duckdb"
    result = run("load", small_delivery, "--rejects", tmp_path / "rejects", env={"IPGAUGE_DB": str(db)})
    assert result.exit_code == 0
    assert db.exists()


def test_export_writes_a_loadable_delivery_and_history(small_delivery, tmp_path):
    db = loaded(small_delivery, tmp_path)
    out = tmp_path / "export"
    result = run("export", "--out", out, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert (out / "history" / "patents.parquet").exists()
    assert "SYNTHETIC" in (out / "README.txt").read_text(encoding="utf-8")
    # the export is itself a delivery: loading it into a fresh store gives the same current rows
    db2 = tmp_path / "again.duckdb"
    for p in out.glob("*.parquet"):
        if p.stem == "deliveries":
            p.unlink()
    assert run("load", out, "--db", db2, "--rejects", tmp_path / "rj2").exit_code == 0
    con1, con2 = duckdb.connect(str(db), read_only=True), duckdb.connect(str(db2), read_only=True)
    for t in ("parties", "patents", "families", "trademarks", "gi_products", "events"):
        q = f"SELECT * EXCLUDE (delivery_id) FROM {t} ORDER BY ALL"
        assert con1.execute(q).fetchall() == con2.execute(q).fetchall(), t
    con1.close()
    con2.close()


def test_unknown_register_file_for_export(tmp_path):
    result = run("export", "--out", tmp_path / "x", "--db", tmp_path / "missing.duckdb")
    assert result.exit_code == 2 and "there is no register" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_unwritable_rejects_folder_is_one_sentence(small_delivery, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(small_delivery, folder)
    with open(folder / "parties.csv", "a", encoding="utf-8") as f:
        f.write("PX,x,company,CN,,,\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run("load", folder, "--db", tmp_path / "r.duckdb", "--rejects", blocker / "sub")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error: ")
