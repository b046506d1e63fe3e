"""One spells table for every knowledge date: the law's answer kept bitemporally, per delivery.

"In force on D as known on K" changes with K only where something about a right becomes known or
stops being known: a version of its record (and its grant, registration or approval date, since a
right is not in force before the register says it was granted), an event the law reads, a version
of one of its holders or of its family abroad. Those dates are the right's *knowledge points*;
between two of them its spells are constant. So the table holds, per right and per knowledge
interval ``[known_from, known_to)``, the spells computed as known at the interval's start, and the
spells as known on any K are the rows whose interval holds K — a filter, not a computation.

The table lives in the register (``spells``) and is maintained with each delivery in the load's
own transaction: the rights a delivery touches get their whole history recomputed, their earlier
rows closed by that delivery (``closed_by``), exactly like the register's own rows, so a release
pinned to its first N deliveries reads the rows those deliveries left (the second clock).

The rows are the law's own answer for every K (:func:`ipgauge.law.stages.bitemporal`, compiled
for the register's connection); the same stages on one K are what ``ipgauge status`` and a release
from an export run, and tests/test_bitemporal.py checks both right by right against the law as it
was written per K (tests/law_oracle.py). The trademark grace period is kept as a column
(``grace_from``, the term end before the grace) so that either policy is a filter too. This module
keeps the table, its law digest and its upkeep.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb

from ipgauge.law import spellfiles
from ipgauge.law.cn import CN
from ipgauge.law.jurisdictions import RULE_SETS
from ipgauge.law.ruleset import DEFAULT_POLICY, Policy, RuleSet
from ipgauge.law.spells import (
    DIVISION_COLUMNS,
    OPEN,
    RIGHTS,
    SPELL_COLUMNS,
    register_hierarchy,
    right_types,
)
from ipgauge.regions.divisions import hierarchy
from ipgauge.register import store
from ipgauge.sqltext import day, quoted, quoted_list

#: The division hierarchy the stored spells were computed under, kept beside them (their region
#: code's province, prefecture and county are joined when read; the law digest covers the map).
DIVISIONS = "spell_divisions"
#: The modules that write the law: their text is in the law's digest, so that a change recomputes the spells.
LAW_FILES = ("stages.py", "sources.py", "spells.py")


def view_sql(k: date, rules: RuleSet = CN, policy: Policy = DEFAULT_POLICY, upto: int | None = None) -> str:
    """SQL (a query over the store, DuckDB's or Spark's) for the spells as known on ``k``: a filter on one table.

    ``upto`` pins the deliveries seen (the second clock): the rows the first ``upto`` deliveries left.
    Without the grace policy a trademark's spell ends where its grace period would begin.
    """
    K = day(k)
    valid_to = (
        "s.valid_to" if policy.grace_in_force else f"least(s.valid_to, coalesce(s.grace_from, {OPEN})) AS valid_to"
    )
    cols = [valid_to if c == "valid_to" else f"d.{c}" if c in DIVISION_COLUMNS else f"s.{c}" for c in SPELL_COLUMNS]
    seen = (
        ""
        if upto is None
        else f" AND s.delivery_id <= {int(upto)} AND (s.closed_by IS NULL OR s.closed_by > {int(upto)})"
    )
    still = "" if upto is not None else " AND s.closed_by IS NULL"
    return (
        f"SELECT * FROM (SELECT {', '.join(cols)} FROM spells s LEFT JOIN {DIVISIONS} d ON d.code = s.region_code "
        f"WHERE s.jurisdiction = {quoted(rules.jurisdiction)} "
        f"AND s.known_from <= {K} AND {K} < s.known_to{seen}{still}) "
        "AS s WHERE valid_from < valid_to"
    )


@functools.cache
def law_digest() -> str:
    """What the stored spells were computed by: the law's text, every rule set, the files' columns, the divisions.

    A new version of ipgauge whose law or map differs rebuilds them (:func:`stale`).
    """
    here = Path(__file__).parent  # the law's own text, read without importing Ibis
    law = "".join((here / f).read_text(encoding="utf-8") for f in LAW_FILES) + repr(sorted(RULE_SETS.items()))
    law += repr((spellfiles.ROW_TYPES, spellfiles.CLOSURE_TYPES))  # the files' columns; not their upkeep's tuning
    return hashlib.sha256((law + repr(sorted(hierarchy().items()))).encode()).hexdigest()[:16]


def _state(con: duckdb.DuckDBPyConnection) -> tuple[str, int] | None:
    """(law digest, last delivery) the stored spells were maintained to, or None when there are none whole."""
    rows = con.execute("SELECT value FROM meta WHERE key = 'spells'").fetchall()
    files = spellfiles.listing(con)
    if not rows or files is None or not files.intact():  # a file missing or changed: rebuilt, never trusted
        return None
    digest, _, upto = rows[0][0].partition(":")
    return digest, int(upto)


def stale(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stored spells lag the register's deliveries or were computed by another law."""
    return _state(con) != (law_digest(), store.last_delivery(con))


def _touched(con: duckdb.DuckDBPyConnection, d: int) -> int:
    """Fill ``_touched`` with the rights delivery ``d`` changed, directly or through a holder or family; count them."""
    new = f"(delivery_id = {d} OR closed_by = {d})"
    parts = [
        f"SELECT '{t}' AS right_type, {key} AS right_id FROM {table} WHERE {new}"
        for t, (table, key, _) in RIGHTS.items()
    ]
    parts.append(f"SELECT right_type, right_id FROM events WHERE {new}")
    if store.scalar(con, f"SELECT count(*) FROM parties WHERE {new}"):
        changed = f"(SELECT party_id FROM parties WHERE {new})"
        for t in ("patent", "trademark"):
            table, key, _ = RIGHTS[t]
            parts.append(
                f"SELECT '{t}', {key} FROM (SELECT {key}, unnest(holders) AS party_id FROM {table}) "
                f"WHERE party_id IN {changed}"
            )
        parts.append(
            f"SELECT right_type, right_id FROM (SELECT right_type, right_id, trim(unnest(string_split(value, ';'))) "
            f"AS party_id FROM events WHERE event IN {quoted_list(r.transfer_event for r in RULE_SETS.values())}) "
            f"WHERE party_id IN {changed}"
        )
    parts.append(
        f"SELECT 'patent', patent_id FROM patents WHERE family_id IN (SELECT family_id FROM families WHERE {new}) "
        f"OR patent_id IN (SELECT document_number FROM families WHERE {new})"  # a member named by its number
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _touched AS {' UNION '.join(parts)}")
    return store.scalar(con, "SELECT count(*) FROM _touched")


def _moves(con: duckdb.DuckDBPyConnection) -> tuple[bool, bool]:
    """Whether any party, any family member has a version known later than always, or superseded."""
    since = f"known_from > {day(store.BEGINNING)} OR known_to IS NOT NULL"
    return tuple(bool(store.scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {t} WHERE {since} LIMIT 1)"))
                 for t in ("parties", "families"))  # fmt: skip


def _jobs(con: duckdb.DuckDBPyConnection, scope: str | None) -> list[tuple[RuleSet, str]]:
    """The (rule set, right type) pairs with any right to compute: a rule set with no rights costs nothing."""
    jobs = []
    for rules in RULE_SETS.values():
        for right_type in right_types(rules):
            table, key, _ = RIGHTS[right_type]
            where = f"jurisdiction = {quoted(rules.jurisdiction)}" if right_type != "gi_product" else "TRUE"
            if scope:
                where += f" AND {key} IN (SELECT right_id FROM {scope} WHERE right_type = {quoted(right_type)})"
            if store.scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT 1)"):
                jobs.append((rules, right_type))
    return jobs


def maintain(con: duckdb.DuckDBPyConnection, tick: store.Progress | None = None) -> None:
    """Bring the stored spells up to the register's last delivery, inside the caller's transaction.

    Each delivery since the last maintained one recomputes the whole history of the rights it
    touched, written as new files, and closes their earlier rows (a closures file); a store without
    spells, or with spells of another law or a file missing, is rebuilt by replaying its deliveries
    (the first in full, the others by what they touched), so that a release pinned to an early
    delivery still reads what that delivery left.
    """
    tick = tick or (lambda *_: None)
    state, last = _state(con), store.last_delivery(con)
    if state == (law_digest(), last):
        return
    spellfiles.prune(con)  # files a killed load wrote, or a compaction replaced: listed nowhere
    register_hierarchy(con)
    if state is None or state[0] != law_digest():
        spellfiles.reset(con)
        spellfiles.write(con, "SELECT * FROM _hierarchy", "divisions", 0)
        spellfiles.write(con, spellfiles.empty(spellfiles.CLOSURE_TYPES), "closures", 0, "none")
        done = 0
    else:
        done = state[1]
    moves = _moves(con)
    # The statements join a large relation (written first) to a smaller one; DuckDB's estimates for
    # them are poor and, left to choose, it built hash tables on the large side and ran out of memory.
    con.execute("SET disabled_optimizers = 'build_side_probe_side'")
    try:
        _build(con, done, last, moves, tick)
        if not done and not store.scalar(con, "SELECT count(*) FROM spell_files WHERE part = 'rows'"):
            spellfiles.write(con, spellfiles.empty(spellfiles.ROW_TYPES), "rows", last, "none")  # no right at all
        spellfiles.bake(con, last)
        spellfiles.compact(con, last)
    except BaseException:  # Ctrl-C or a failure: DuckDB refuses even a SET in the aborted transaction; the
        with contextlib.suppress(duckdb.Error):  # caller rolls it back, and must see the first error, not this
            con.execute("RESET disabled_optimizers")
        raise
    con.execute("RESET disabled_optimizers")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('spells', ?)", [f"{law_digest()}:{last}"])
    spellfiles.attach(con)


def _build(
    con: duckdb.DuckDBPyConnection, done: int, last: int, moves: tuple[bool, bool], tick: store.Progress
) -> None:
    """Deliveries ``done`` + 1 … ``last``: each one's touched rights recomputed, their earlier rows closed."""
    import ibis  # the law's stages, with Ibis, only when spells are computed

    from ipgauge.law import stages
    from ipgauge.law.sources import Sources

    stages.prepare(con)
    src = Sources.of_store(con)
    touched = ibis.table({"right_type": "string", "right_id": "string"}, name="_touched")
    for d in range(done + 1, last + 1):
        scope = None
        if d > 1:
            if not _touched(con, d):
                continue
            tick(f"spells of delivery {d}: closing the touched rights' rows", 0, 0)
            ended = (
                f"SELECT DISTINCT right_type, right_id, delivery_id, {d} AS closed_by FROM spells "
                "WHERE closed_by IS NULL AND (right_type, right_id) IN (SELECT right_type, right_id FROM _touched)"
            )
            spellfiles.write(con, spellfiles.typed(ended, spellfiles.CLOSURE_TYPES), "closures", d)
            scope = "_touched"
        jobs = _jobs(con, scope)
        for i, (rules, right_type) in enumerate(jobs):
            tick(f"spells of delivery {d}: {rules.jurisdiction} {right_type}s", i, len(jobs))
            asked = stages.Question(rules, right_type, upto=None if d == last else d, moves=moves)
            sql = stages.compiled(stages.bitemporal(src, replace(asked, rights=touched) if scope else asked))
            rows = spellfiles.typed(
                f"SELECT *, {d} AS delivery_id, NULL AS closed_by FROM ({sql})", spellfiles.ROW_TYPES
            )
            spellfiles.write(con, rows, "rows", d, f"{rules.jurisdiction}-{right_type}")
        spellfiles.attach(con)  # the next delivery closes what this one wrote


def attach(con: duckdb.DuckDBPyConnection) -> None:
    """The spells' views on ``con``, when the files are this law's and up to date.

    Files of another law (an earlier ipgauge) may lack a column the views name: they are rebuilt by
    the connection's owner first (:func:`maintain`), never read.
    """
    if not stale(con):
        spellfiles.attach(con)


store.keep(store.Upkeep("spells", stale, maintain, attach))
