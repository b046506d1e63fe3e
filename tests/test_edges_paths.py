"""Edge cases of paths: odd folder names, quotes, patterns, files in the way, work not to overwrite."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import PARTY_HEADER, run, write_csv
from edges import (
    NORTHEAST,
    PARTIES,
    one_line_error,
    small_register,
    value,
)
from ipgauge.synth.generate import synthesize


def test_a_register_rebuilt_at_the_same_path_never_answers_from_the_old_cache(tmp_path):
    truth = value(small_register(tmp_path / "elsewhere", 8))
    db = small_register(tmp_path, 7)
    first = value(db)
    db.unlink()
    small_register(tmp_path, 8)  # same path, other content, same number of deliveries
    assert value(db) == truth != first


def test_a_backslash_in_a_register_path_is_refused(tmp_path):
    """DuckDB would turn ``a\\b.duckdb`` into ``a/b.duckdb``: another register, perhaps the user's own."""
    (tmp_path / "a").mkdir()
    message = one_line_error(run("load", tmp_path / "synth-none", "--db", tmp_path / "a\\b.duckdb"))
    assert "backslash" in message and not list((tmp_path / "a").iterdir())


def test_apostrophes_in_every_path(tmp_path):
    odd = tmp_path / "it's here"
    folder = odd / "deliv'ery"
    synthesize("small", 7, folder)
    db = odd / "o'reg.duckdb"
    assert run("load", folder, "--db", db, "--rejects", odd / "rej'ects").exit_code == 0
    assert value(db) > 0
    result = run("export", "--out", odd / "ex'port", "--db", db)
    assert result.exit_code == 0, result.stderr
    result = run("release", *NORTHEAST, "--db", db, "--out", odd / "rel'ease", "--lang", "en")
    assert result.exit_code == 0, result.stderr


def test_out_naming_a_file(tmp_path):
    db = small_register(tmp_path, 7)
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    assert "is a file" in one_line_error(run("synth", "--out", blocker))
    assert "is a file" in one_line_error(run("export", "--out", blocker, "--db", db))
    assert blocker.read_text() == "keep me"


def test_commands_do_not_overwrite_other_work(tmp_path):
    db = small_register(tmp_path, 7)
    hand = tmp_path / "hand"
    write_csv(hand, "parties", PARTY_HEADER, PARTIES)
    assert "not an earlier export" in one_line_error(run("export", "--out", hand, "--db", db))
    assert "not a register ipgauge synth wrote" in one_line_error(run("synth", "--out", hand))
    assert (hand / "parties.csv").exists() and not (hand / "parties.parquet").exists()
    assert run("export", "--out", tmp_path / "ex", "--db", db).exit_code == 0
    assert run("export", "--out", tmp_path / "ex", "--db", db).exit_code == 0  # an earlier export is replaced
    assert run("synth", "--out", tmp_path / "synth-7").exit_code == 0  # so is an earlier synth
    busy = tmp_path / "demo"
    busy.mkdir()
    shutil.copy(db, busy / "register.duckdb")
    assert run("load", hand, "--db", busy / "register.duckdb").exit_code == 0
    assert "holds more than a demo" in one_line_error(run("demo", "--out", busy, "--scale", "small"))


def test_odd_paths_are_one_sentence(tmp_path):
    long = tmp_path / ("x" * 300)
    assert "File name too long" in one_line_error(run("synth", "--out", long))
    folder = tmp_path / "d"
    write_csv(folder, "parties", PARTY_HEADER, PARTIES)
    assert "File name too long" in one_line_error(run("load", folder, "--db", tmp_path / ("y" * 300 + ".duckdb")))


def test_release_out_and_rejects_never_spoil_other_folders(tmp_path):
    db = small_register(tmp_path, 7)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "figures.csv").write_text("mine", encoding="utf-8")
    assert "not an earlier release" in one_line_error(run("release", *NORTHEAST, "--db", db, "--out", mine))
    assert (mine / "figures.csv").read_text(encoding="utf-8") == "mine"
    demo = tmp_path / "dm"
    (demo / "release").mkdir(parents=True)
    (demo / "release" / "figures.csv").write_text("mine", encoding="utf-8")
    assert "not an earlier release" in one_line_error(run("demo", "--out", demo, "--scale", "small"))
    assert sorted(p.name for p in demo.iterdir()) == ["release"]  # refused before anything was written
    bad = tmp_path / "bad"
    write_csv(bad, "parties", PARTY_HEADER, PARTIES + [["P2", "x", "nonsense", "CN", "", ""]])
    message = one_line_error(run("load", bad, "--db", db, "--rejects", tmp_path / "synth-7" / "sub"))
    assert "lies inside another delivery" in message
    assert not (tmp_path / "synth-7" / "sub").exists()


def test_a_register_in_a_folder_named_like_a_pattern_or_a_quote_works(small_delivery, tmp_path):
    """DuckDB expands *, ? and [...] in every file name it reads: the cached Parquet paths are escaped.

    One folder holds every character that would be read as a pattern or end a quoted path.
    """
    name = "g[1]_k'db_a*b"
    db = tmp_path / name / "r.duckdb"
    assert run("load", small_delivery, "--db", db, "--rejects", tmp_path / "rj").exit_code == 0
    point = run("indicator", "valid_invention_patents", "--region", "CN", "--as-of", "2024-12-31", "--known-at",
                "2025-06-30", "--format", "json", "--db", db)  # fmt: skip
    assert point.exit_code == 0, point.stderr
    work = run("casework", "summary", "--year", "2024", "--known-at", "2025-06-30", "--format", "json", "--db", db)
    assert work.exit_code == 0, work.stderr
    made = run("release", "--region", "northeast", "--as-of", "2024-12-31", "--known-at", "2025-06-30", "--casework",
               "--out", tmp_path / name / "rel", "--db", db)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    rid = json.loads((tmp_path / name / "rel" / "figures.json").read_text(encoding="utf-8"))["release_id"]
    again = run("release", "--reproduce", rid, "--out", tmp_path / name / "again", "--db", db)
    assert again.exit_code == 0, again.stderr
    assert run("export", "--out", tmp_path / name / "ex", "--db", db).exit_code == 0


@pytest.mark.pyspark
def test_spark_reads_a_register_in_a_folder_named_like_a_pattern(small_delivery, tmp_path, monkeypatch):
    """Hadoop globs the paths Spark reads ([, *, {, ?) and resolves relative ones unescaped: both are handled."""
    folder = tmp_path / "p[1]*{a}"
    assert run("load", small_delivery, "--db", folder / "r'e[g].duckdb", "--rejects", tmp_path / "rj").exit_code == 0
    monkeypatch.chdir(folder)  # a relative --db inside the odd folder
    args = ["--region", "CN", "--as-of", "2024-12-31", "--known-at", "2025-06-30", "--format", "json"]
    for name in ("valid_invention_patents", "casework_disputes"):
        answers = [
            run("indicator", name, *args, "--db", "r'e[g].duckdb", "--backend", b) for b in ("duckdb", "pyspark")
        ]
        assert all(a.exit_code == 0 for a in answers), [a.stderr for a in answers]
        assert json.loads(answers[0].stdout)["value"] == json.loads(answers[1].stdout)["value"] > 0


def test_a_register_path_with_a_question_mark_is_refused_in_a_sentence(small_delivery, tmp_path):
    result = run("load", small_delivery, "--db", tmp_path / "a?b" / "r.duckdb", "--rejects", tmp_path / "rj")
    assert result.exit_code == 2 and "with a '?'" in result.stderr
