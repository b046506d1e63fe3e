"""Fuzzing every command's options through the real command line in-process (see ``test_fuzz.py``).

Kept apart from the loader's fuzz so that the two files run on different test workers.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import run
from ipgauge.synth.generate import synthesize
from test_fuzz import DATES, check, digest, fuzz

# -- every command's options -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli")
    synthesize("small", 7, root / "delivery")
    db = root / "r.duckdb"
    assert run("load", root / "delivery", "--db", db).exit_code == 0
    (root / "file.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "spec.toml").write_text('region = "northeast"\ntrend_months = "x"\n', encoding="utf-8")
    return root, db


REGIONS = st.sampled_from(["CN", "northeast", "210000", "210200", "371200", "371202", "110101", "atlantis", "", "21"])
JUNK = st.sampled_from(["", "x", "'", "--db", "-1", "0", "表格", "a'b", "x" * 300])
FORMATS = st.sampled_from(["table", "json", "csv", "xml", "", "JSON"])


#: The values most draws take, so that a good share of commands reach the engine with one odd option.
SENSIBLE = {
    "--region": ["CN", "northeast", "210000", "210200"],
    "--as-of": ["2024-01-01", "2025-04-30"],
    "--known-at": ["2025-06-30"],
    "--format": ["table", "json", "csv"],
    "--from": ["2022-01-01"],
    "--to": ["2024-12-31"],
    "--share-of": ["CN"],
    "--backend": ["duckdb"],
}


VIP = "valid_invention_patents"
GOOD_QUERY = {"--region": "northeast", "--as-of": "2025-04-30", "--known-at": "2025-06-30"}
ODD_OPTIONS = [
    ("--region", REGIONS | JUNK),
    ("--as-of", DATES | JUNK),
    ("--known-at", DATES | JUNK),
    ("--format", FORMATS),
    ("--by", st.sampled_from(["subregion", "holder_type", "field", "colour", ""])),
    ("--share-of", REGIONS | JUNK),
    ("--backend", st.sampled_from(["duckdb", "oracle", ""])),
]


def _paths(root: Path, db: Path) -> st.SearchStrategy:
    return st.sampled_from(
        [
            str(db),
            str(root / "file.csv"),
            str(root),
            str(root / "new'.duckdb"),
            str(root / "nowhere" / "x.duckdb"),
            str(root / "delivery"),
            "/dev/null",
        ]
    )


@functools.cache
def _rights(db: Path) -> tuple[str, ...]:
    """A patent, a trademark and a GI product of the register, for `status`."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return tuple(
            con.execute(f"SELECT min({col}) FROM {table}").fetchall()[0][0]
            for table, col in (("patents", "patent_id"), ("trademarks", "trademark_id"), ("gi_products", "gi_id"))
        )
    finally:
        con.close()


@st.composite
def commands(draw, root: Path, db: Path) -> list[str]:
    def opt(name: str, values: st.SearchStrategy, often: bool = False) -> list[str]:
        """The option with a value (mostly a sensible one, so that commands get far), or left out."""
        if draw(st.integers(0, 9)) < (1 if often else 5):
            return []
        good = SENSIBLE.get(name)
        return [name, draw(st.sampled_from(good) if good and draw(st.integers(0, 3)) else values)]

    dbs = _paths(root, db)
    dbopt = ["--db", draw(dbs)] if draw(st.integers(0, 4)) else ["--db", str(db)]
    kind = draw(
        st.sampled_from(
            [
                "indicator",
                "one_odd",
                "one_odd",
                "status",
                "regions",
                "indicators",
                "load",
                "export",
                "synth",
                "release",
                "diff",
                "reproduce",
                "casework",
                "collaboration",
                "parties",
            ]
        )
    )
    if kind == "one_odd":  # a figure that works, with one option drawn at random
        name, values = draw(st.sampled_from(ODD_OPTIONS))
        args = dict(GOOD_QUERY) | {name: draw(values)}
        return ["indicator", VIP, *(x for pair in args.items() for x in pair), "--db", str(db)]
    if kind == "indicator":
        name = draw(
            st.sampled_from(
                [
                    "valid_invention_patents",
                    "valid_trademarks",
                    "gi_products",
                    "valid_invention_patents_per_10k",
                    "invention_grants",
                    "nope",
                ]
            )
        )
        return [
            "indicator",
            name,
            *opt("--region", REGIONS, often=True),
            *opt("--as-of", DATES, often=True),
            *opt("--known-at", DATES),
            *opt("--format", FORMATS),
            *opt("--series", st.sampled_from(["monthly", "yearly", "daily", ""])),
            *opt("--from", DATES),
            *opt("--to", DATES),
            *opt("--by", st.sampled_from(["subregion", "holder_type", "field", "colour"])),
            *opt("--share-of", REGIONS),
            *opt("--backend", st.sampled_from(["duckdb", "oracle"])),
            *dbopt,
        ]
    if kind == "status":
        right = draw(st.sampled_from([*_rights(db), "nope", "", "CN202310123456.6"]))
        return [
            "status",
            right,
            *opt("--as-of", DATES, often=True),
            *opt("--known-at", DATES),
            *opt("--format", FORMATS),
            *(["--no-grace"] if draw(st.booleans()) else []),
            *dbopt,
        ]
    if kind == "regions":
        return ["regions", *([draw(REGIONS | JUNK)] if draw(st.booleans()) else []), *opt("--format", FORMATS)]
    if kind == "indicators":
        return ["indicators", *opt("--format", FORMATS)]
    if kind == "load":  # into a throw-away copy of nothing: a new register beside the fixture's
        folder = draw(st.sampled_from([str(root / "delivery"), str(root / "file.csv"), str(root / "nowhere"), ""]))
        target = draw(st.sampled_from([str(root / "scratch.duckdb"), str(root / "file.csv"), str(root)]))
        return [
            "load",
            folder,
            "--db",
            target,
            *opt("--recorded-on", DATES),
            *opt("--rejects", st.sampled_from([str(root / "file.csv"), str(root / "rej")])),
        ]
    if kind == "export":
        return ["export", "--out", draw(st.sampled_from([str(root / "file.csv"), str(root / "ex'port"), ""])), *dbopt]
    if kind == "synth":
        return [
            "synth",
            "--out",
            draw(st.sampled_from([str(root / "file.csv"), str(root / "syn")])),
            *opt("--scale", st.sampled_from(["tiny", "", "SMALL"])),
            *opt("--seed", JUNK),
            *opt("--format", FORMATS),
        ]
    if kind == "release":  # every value here leaves at least one option wrong: a full release is slow
        return [
            "release",
            *opt("--region", REGIONS),
            *opt("--as-of", DATES),
            "--known-at",
            "0001-01-01",
            *opt("--lang", st.sampled_from(["zh", "fr", ""])),
            *opt("--spec", st.sampled_from([str(root / "spec.toml"), str(root), str(root / "none.toml")])),
            *dbopt,
        ]
    if kind == "casework":
        return [
            "casework",
            "summary",
            *opt("--region", REGIONS, often=True),
            *opt("--year", st.sampled_from(["2024", "1900", "x", ""])),
            *opt("--fx-date", DATES),
            *opt("--known-at", DATES),
            *opt("--format", FORMATS),
            *dbopt,
        ]
    if kind == "collaboration":
        ego = draw(st.booleans())
        return [
            "collaboration",
            *(["ego", draw(st.sampled_from(["沈阳自动化", "P000000001", "nope", "", "'"]))] if ego else ["summary"]),
            *([] if ego else opt("--region", REGIONS, often=True)),
            *opt("--as-of", DATES, often=True),
            *opt("--known-at", DATES),
            *opt("--format", FORMATS),
            *(opt("--picture", st.sampled_from([str(root / "e.png"), str(root / "e.gif"), str(root)])) if ego else []),
            *dbopt,
        ]
    if kind == "parties":
        return ["parties", "resolve", *draw(st.lists(JUNK | st.sampled_from(["中科院", "大学"]), max_size=3)),
                *opt("--threshold", st.sampled_from(["95", "0", "x"])), *opt("--format", FORMATS), *dbopt]  # fmt: skip
    if kind == "diff":
        return ["release", "diff", draw(JUNK), *opt("--known-at", DATES), *opt("--format", FORMATS), *dbopt]
    return ["release", "--reproduce", draw(JUNK), *dbopt]


@fuzz("cli")
@given(data=st.data())
def test_every_command_with_random_options(register, data):
    root, db = register
    args = data.draw(commands(root, db))
    before = digest(db)
    result = run(*args)
    check(result)
    if args[0] != "release" or result.exit_code != 0:  # only a release (snapshot) or a load may write
        assert digest(db) == before, args
    for scratch in ("scratch.duckdb", "scratch.duckdb.cache", "syn", "ex'port", "rej", "e.png"):
        p = root / scratch
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
