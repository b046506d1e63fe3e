"""Fuzzing the edges (issue 8): random bytes, CSV shapes and Parquet schemas into the loader, and
random option values into every command, through the real command line in-process.

Whatever comes in: the exit status is 0, 1 or 2, stderr holds at most one line, nothing prints a
traceback, and a refused load (exit 2) leaves the store exactly as it was. The number of cases is
``FUZZ_CASES`` per test below (720 per run in all; the options of every command are fuzzed in
``test_fuzz_cli.py``, so that ``make test``'s workers share the fuzz); ``IPGAUGE_FUZZ_SCALE=10``
runs ten times as many. Runs are
derandomised so that CI is repeatable; ``IPGAUGE_FUZZ_RANDOM=1`` explores new cases.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PARTY_HEADER, run, write_csv
from ipgauge.register.schema import TABLES, TABLES_BY_NAME

SCALE = int(os.environ.get("IPGAUGE_FUZZ_SCALE", "1"))
FUZZ_CASES = {"bytes": 60, "csv": 60, "parquet": 60, "manifest": 50, "cli": 110}  # IPGAUGE_FUZZ_SCALE=3: longer


def fuzz(kind: str):
    return settings(
        max_examples=FUZZ_CASES[kind] * SCALE,
        deadline=None,
        derandomize=not os.environ.get("IPGAUGE_FUZZ_RANDOM"),
        suppress_health_check=list(HealthCheck),
        database=None,
    )


def digest(db: Path) -> dict:
    """Each table's row count and an order-independent hash of its rows: equal iff unchanged (bar collisions)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        out = {}
        for t in sorted(names):
            row = f"{t} EXCLUDE (loaded_at)" if t == "deliveries" else t
            out[t] = con.execute(f"SELECT count(*), sum(hash({t}))::HUGEINT FROM (SELECT * FROM {row}) {t}").fetchall()
        return out
    finally:
        con.close()


def check(result, db: Path | None = None, before: dict | None = None) -> None:
    text = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), (result.exit_code, text[-2000:])
    assert "Traceback" not in text, text[-2000:]
    assert len(result.stderr.strip().splitlines()) <= 1, result.stderr
    if db is not None and before is not None and result.exit_code == 2:
        assert digest(db) == before, "a refused load changed the store"


# -- the loader ------------------------------------------------------------------------------------

GOOD_PARTIES = [["P1", "甲公司", "enterprise", "CN", "210102", ""], ["P2", "Acme", "enterprise", "US", "", ""]]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A tiny register the fuzzed deliveries are loaded into (its references make rows get further)."""
    root = tmp_path_factory.mktemp("fuzz")
    write_csv(root / "base", "parties", PARTY_HEADER, GOOD_PARTIES)
    db = root / "r.duckdb"
    assert run("load", root / "base", "--db", db).exit_code == 0
    return db


VALUES = st.sampled_from(
    [
        "",
        "P1",
        "P2",
        "P1;P2",
        "P1;",
        ";",
        " P1",
        "CN",
        "US",
        "XX",
        "EP",
        "210102",
        "371202",
        "999999",
        "2020-01-01",
        "2023-02-29",
        "0000-01-01",
        "9999-12-31",
        "1799-12-31",
        "2020-1-1",
        "invention",
        "utility_model",
        "design",
        "ordinary",
        "true",
        "false",
        "TRUE",
        "1",
        "0",
        "-1",
        "99999999999999999999",
        "G06F 16/31",
        "G06F",
        "9",
        "45",
        "46",
        "patent",
        "trademark",
        "gi_product",
        "lapsed_unpaid_fee",
        "transferred",
        "renewed",
        "pledged",
        "12000000 CNY",
        "CN202310123456.6",
        "CN202310123456.7",
        "TM1",
        "GI1",
        "a'b",
        'a"b',
        "a,b",
        "a\nb",
        "\x00",
        "\x1b[31m",
        "哈尔滨",
        "x" * 5000,
    ]
) | st.text(max_size=40)


DATES = st.sampled_from(
    [
        "2024-01-01",
        "2025-04-30",
        "2025-06-30",
        "0001-01-01",
        "9999-12-31",
        "2024-02-30",
        "yesterday",
        "",
        "1800-01-01",
        "2199-12-31",
        "2024-1-1",
        " 2024-01-01",
        "2024-01-01T00:00",
    ]
)


def _tables() -> st.SearchStrategy:
    return st.sampled_from([t.name for t in TABLES])


#: Plausible values per column, so that most fuzzed rows reach the row rules (and some pass them).
POOLS = {
    "party_id": ["P1", "P2", "P3"],
    "holders": ["P1", "P2", "P1;P2", "P3"],
    "value": ["5", "P2", "2031-01-01", "1 CNY"],
    "patent_id": ["CN202310123456.6", "CN202320123456.4", "CN202330123456.2", "CN88100001.X"],
    "trademark_id": ["TM1", "TM2"],
    "gi_id": ["GI1", "GI2"],
    "family_id": ["F1"],
    "document_number": ["US1"],
    "right_id": ["CN202310123456.6", "TM1", "GI1"],
    "ipc": ["G06F 16/31", "H04L 9/08;A61K 8/02"],
    "nice_classes": ["9", "9;35"],
    "region_codes": ["210102", "210102;220102"],
    "year": ["2020", "2021"],
    "population": ["1000", "42"],
}
KIND_POOLS = {
    "date": ["2020-01-01", "2023-05-06", "2024-03-01"],
    "bool": ["true", "false"],
    "country": ["CN", "US"],
    "office": ["EP", "US", "CN"],
    "region": ["210102", "220102"],
    "text": ["甲", "Acme Ltd", "一种机器人"],
}


def column_values(column) -> st.SearchStrategy:
    pool = POOLS.get(column.name) or list(column.choices) or KIND_POOLS.get(column.kind) or ["x"]
    return st.sampled_from(pool) | st.sampled_from(pool) | st.sampled_from(pool) | VALUES


@st.composite
def csv_files(draw) -> tuple[str, bytes]:
    table = TABLES_BY_NAME[draw(_tables())]
    names = list(table.column_names)
    if draw(st.integers(0, 3)):  # mostly: the required columns and some optional ones, in any order
        optional = [c.name for c in table.columns if not c.required]
        header = [c.name for c in table.columns if c.required] + draw(st.lists(st.sampled_from(optional or names)))
        header = draw(st.permutations(list(dict.fromkeys(header))))
    else:
        header = draw(st.lists(st.sampled_from(names + ["bogus", "", "Party_ID"]), max_size=len(names) + 2))
    columns = [table.column(h) if h in names else None for h in header]

    def row(draw_row) -> list[str]:
        cells = [draw_row(column_values(c) if c else VALUES) for c in columns]
        if not draw_row(st.integers(0, 9)):  # now and then a row with a field too many or too few
            cells = cells[:-1] if draw_row(st.booleans()) else [*cells, "extra"]
        return cells

    rows = [row(draw) for _ in range(draw(st.integers(0, 6)))]
    buf = io.StringIO()
    csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *rows])
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "gb18030"]))
    return f"{table.name}.csv", buf.getvalue().encode(encoding, "replace")


ARROW_TYPES = {
    "string": (pa.string(), VALUES),
    "int64": (pa.int64(), st.integers(-(2**40), 2**40)),
    "float64": (pa.float64(), st.floats(allow_nan=True)),
    "bool": (pa.bool_(), st.booleans()),
    "date32": (pa.date32(), st.dates()),
    "timestamp": (pa.timestamp("ms"), st.datetimes()),
    "list<string>": (pa.list_(pa.string()), st.lists(VALUES, max_size=3)),
    "list<int64>": (pa.list_(pa.int64()), st.lists(st.integers(-5, 5), max_size=3)),
    "struct": (pa.struct([("a", pa.string())]), st.fixed_dictionaries({"a": VALUES})),
    "binary": (pa.binary(), st.binary(max_size=20)),
    "null": (pa.null(), st.none()),
}


@st.composite
def parquet_files(draw) -> tuple[str, bytes]:
    table = TABLES_BY_NAME[draw(_tables())]
    names = draw(
        st.lists(
            st.sampled_from(list(table.column_names) + ["bogus"]),
            min_size=1,
            max_size=len(table.columns) + 1,
            unique=True,
        )
    )
    n = draw(st.integers(0, 5))
    columns = {}
    for name in names:
        arrow_type, values = ARROW_TYPES[draw(st.sampled_from(sorted(ARROW_TYPES)))]
        cells = draw(st.lists(st.none() | values, min_size=n, max_size=n))
        try:
            columns[name] = pa.array(cells, arrow_type)
        except (pa.ArrowException, OverflowError, ValueError):
            columns[name] = pa.array([None] * n, arrow_type)
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return f"{table.name}.parquet", sink.getvalue()


def _load(store: Path, files: dict[str, bytes]):
    before = digest(store)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "delivery"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        result = run("load", folder, "--db", store)
    check(result, store, before)


@fuzz("bytes")
@given(table=_tables(), data=st.binary(max_size=3000), ext=st.sampled_from([".csv", ".parquet"]))
def test_random_bytes(store, table, data, ext):
    _load(store, {f"{table}{ext}": data})


@fuzz("csv")
@given(files=st.lists(csv_files(), min_size=1, max_size=3, unique_by=lambda f: f[0]))
def test_random_csv_shapes(store, files):
    _load(store, dict(files))


@fuzz("parquet")
@given(files=st.lists(parquet_files(), min_size=1, max_size=2, unique_by=lambda f: f[0]))
def test_random_parquet_schemas(store, files):
    _load(store, dict(files))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | VALUES,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["synthetic", "recorded_date", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@fuzz("manifest")
@given(
    manifest=JSON
    | st.fixed_dictionaries({}, optional={"synthetic": st.booleans() | JSON, "recorded_date": DATES | JSON})
)
def test_random_manifests(store, manifest):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([PARTY_HEADER, *GOOD_PARTIES])
    _load(store, {"parties.csv": buf.getvalue().encode(), "manifest.json": json.dumps(manifest).encode()})
