"""Releases end to end in their own file (so that the suite's workers share the slow ones): the demo, a diff.

The demo's commands are run as printed; a diff after a later delivery names every right that moved.
"""

from __future__ import annotations

import json
import shlex
from datetime import date

from conftest import run, write_csv
from ipgauge.law.bitemporal import view_sql
from ipgauge.register import store

EVENT_HEADER = ["right_type", "right_id", "event", "effective_date", "recorded_date", "value"]


def test_demo_runs_end_to_end(tmp_path):
    result = run("demo", "--out", tmp_path, "--scale", "small")
    assert result.exit_code == 0, result.stderr
    assert "东北三省一区" in result.stdout and "the three provinces and one region" in result.stdout
    data = json.loads((tmp_path / "release" / "figures.json").read_text(encoding="utf-8"))
    assert data["synthetic"] is True and data["spec"]["region"] == "northeast"
    # the demo ends with commands to try on the register it built: each of them works as printed
    tries = [
        shlex.split(line)[1:]
        for line in result.stdout.split("Next, try")[1].splitlines()
        if line.startswith("  ipgauge ")
    ]
    assert len(tries) >= 5
    for args in tries:
        again = run(*args)
        assert again.exit_code == 0, (args, again.stderr)


def test_diff_counts_every_right_and_lists_them_on_request(small_delivery, tmp_path):
    db = tmp_path / "r.duckdb"
    assert run("load", small_delivery, "--db", db).exit_code == 0
    args = ["--region", "northeast", "--as-of", "2025-04-30", "--known-at", "2025-06-30", "--lang", "en"]
    assert run("release", *args, "--db", db, "--out", tmp_path / "rel").exit_code == 0
    release_id = json.loads((tmp_path / "rel" / "figures.json").read_text(encoding="utf-8"))["release_id"]

    con = store.connect(db, read_only=True)
    in_force = [
        r[0]
        for r in con.execute(f"""
        SELECT DISTINCT right_id FROM ({view_sql(date(2025, 6, 30))}) AS s
        WHERE right_type = 'patent' AND kind = 'invention' AND country = 'CN'
          AND province_code IN ('210000', '220000', '230000')
          AND valid_from <= DATE '2025-04-30' AND valid_to > DATE '2025-04-30'
        ORDER BY right_id LIMIT 25""").fetchall()
    ]
    con.close()
    later = tmp_path / "later"
    write_csv(
        later,
        "events",
        EVENT_HEADER,
        [["patent", p, "waived", "2025-03-01", "2025-08-15", ""] for p in in_force],
    )
    assert run("load", later, "--db", db, "--recorded-on", "2025-08-15").exit_code == 0
    table = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db)
    assert "(25 rights changed)" in table.stdout and "... and 5 more: add --all" in table.stdout
    every = run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db, "--all")
    assert "more: add --all" not in every.stdout and all(p in every.stdout for p in in_force)
    data = json.loads(
        run("release", "diff", release_id, "--known-at", "2025-09-01", "--db", db, "--format", "json").stdout
    )
    value = [c for c in data if c["indicator"] == "valid_invention_patents" and c["figure"] == "value"][0]
    assert value["rights_changed"] == len(value["rights"]) == 25
    assert value["before"] - value["after"] == 25
