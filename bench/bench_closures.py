"""What joining the closures costs a point figure, against the rows with their closures baked in.

    python bench/bench_closures.py --db REGISTER

On a register whose spells have closures (later deliveries re-computed some rights), one count —
valid CN invention patents on D as known on K = D — is timed (best of three) over:

- ``joined``: the ``spells`` view as ipgauge reads it before a bake, every closure joined on (right
  type, right id, delivery) — the baseline;
- ``row_keys``: every closure keyed by its row's position instead (file ordinal << 40 | row number),
  one BIGINT joined — the integer key issue 29 suggested;
- ``baked``: the rows with the closures written into them (what ``spellfiles.bake`` writes, here into
  a temporary file), nothing joined; the time to write it is printed too.

The three counts must agree. Measured with it: docs/benchmarks.md (issue 29, third session).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from ipgauge.law import spellfiles
from ipgauge.register import store
from ipgauge.sqltext import path_literal, quoted

COUNT = """SELECT count(*) FILTER (WHERE valid_from <= DATE '{k}' AND DATE '{k}' < valid_to) FROM {view}
WHERE jurisdiction = 'CN' AND right_type = 'patent' AND kind = 'invention'
  AND known_from <= DATE '{k}' AND DATE '{k}' < known_to AND closed_by IS NULL"""
KS = ("2014-06-30", "2021-09-30", "2025-06-30")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True)
    args = ap.parse_args()
    con = store.connect(args.db, read_only=True)
    now = spellfiles.listing(con)
    if now is None or not now.rows("closures"):
        raise SystemExit("the register has no closures to join; load a later delivery that corrects some rights.")
    print(f"{now.rows('rows'):,} rows, {now.rows('closures'):,} closures; {os.cpu_count()} cores")
    con.execute(f"CREATE TEMP VIEW joined AS {spellfiles.spells_view(closures=True)}")
    files = [
        f"SELECT * EXCLUDE (file_row_number), ({i}::BIGINT << 40) | file_row_number AS row_key "
        f"FROM read_parquet({quoted(path_literal(p))}, file_row_number = true)"
        for i, p in enumerate(now.paths("rows"))
    ]
    con.execute(f"CREATE TEMP VIEW keyed AS {' UNION ALL '.join(files)}")
    con.execute("""CREATE TEMP TABLE keyed_closures AS SELECT r.row_key, c.closed_by FROM keyed r
                   JOIN spell_closures c USING (right_type, right_id, delivery_id)""")
    with tempfile.TemporaryDirectory() as tmp:
        keys, baked = (quoted(path_literal(Path(tmp) / f"{n}.parquet")) for n in ("keys", "baked"))
        con.execute(f"COPY keyed_closures TO {keys} (FORMAT parquet)")
        con.execute(f"""CREATE TEMP VIEW row_keys AS SELECT r.* EXCLUDE (closed_by), c.closed_by FROM keyed r
                        LEFT JOIN read_parquet({keys}) c USING (row_key)""")
        started = time.perf_counter()
        con.execute(f"COPY ({spellfiles.typed('SELECT * FROM joined', spellfiles.ROW_TYPES)}) TO {baked} "
                    f"(FORMAT parquet, ROW_GROUP_SIZE {spellfiles.ROW_GROUP})")  # fmt: skip
        print(f"baking every row: {time.perf_counter() - started:.1f} s")
        con.execute(f"CREATE TEMP VIEW baked AS SELECT * FROM read_parquet({baked})")
        views = ("joined", "row_keys", "baked")
        print(f"{'K = D':<12}" + "".join(f"{v:>22}" for v in views))
        for k in KS:
            cells = []
            for view in views:
                best, value = float("inf"), 0
                for _ in range(3):
                    started = time.perf_counter()
                    value = store.scalar(con, COUNT.format(k=k, view=view))
                    best = min(best, time.perf_counter() - started)
                cells.append(f"{best:.3f} s {value:>11,}")
            print(f"{k:<12}" + "".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
