"""Clearance and the squatting watch: the register's marks that conflict with a company's mark.

**Clearance** asks which marks in force or pending in a jurisdiction on D, as known on K, stand in
the way of a mark for some classes. The register answers in two steps, as an examiner searches:

1. *search* — one SQL scan over the jurisdiction's marks (registrations as known on K, applications
   pending on D) in the same or related classes, keeping those whose text is near any reading of the
   query (its Latin words, its pinyin, its dictionary senses: 星巴克 is searched as XINGBAKE and
   STARBUCKS too) by Jaro-Winkler, or that contain it or are contained in it;
2. *judgement* — each hit compared on every dimension (:func:`similarity.compare`); a registration
   must be in force on D by the law's stored spells (the same answer every figure reads).

**The watch** runs the same search for many marks at once over the filings recorded since a date:
one join of the watched marks with the new filings, then the judgement of the pairs it keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from ipgauge.law.bitemporal import view_sql
from ipgauge.law.jurisdictions import rules_for
from ipgauge.register.store import known_at
from ipgauge.services.marks import lexicon, sound
from ipgauge.services.marks.similarity import Mark, _related, compare

#: how near a mark's text must be to a reading of the query to be judged (Jaro-Winkler, 0..1)
NEAR = 0.82
#: the most hits judged per query (the nearest first)
HITS = 300


@dataclass
class Conflict:
    """One mark in the way: what it is, where it stands, who owns it, and why it conflicts."""

    right_id: str
    mark: str
    status: str  # registered | pending (the watch: also refused, abandoned, as known on K)
    since: date | None  # registered: the registration date; pending: the filing date
    until: date | None  # registered: the last day in force as known on K (the grace period included); pending: None
    owner: str
    owner_country: str
    classes: list[int]
    score: float
    likely_confusion: bool
    dimensions: dict[str, float]
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The conflict as the JSON of ``trademark clear`` and the API."""
        return {
            "right_id": self.right_id, "mark": self.mark, "status": self.status,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "owner": self.owner, "owner_country": self.owner_country, "classes": self.classes,
            "score": round(self.score, 4), "likely_confusion": self.likely_confusion,
            "dimensions": {k: round(v, 4) for k, v in self.dimensions.items()}, "reasons": self.reasons,
        }  # fmt: skip


def readings(text: str, chinese_too: bool = False) -> list[str]:
    """Every way the query is searched: its Latin words, its pinyin, and its dictionary senses, upper case.

    ``chinese_too`` (a register of Chinese marks, CN): a Latin mark also by its Chinese renderings.
    """
    m = Mark.of(text)
    out = [m.latin] if m.latin else []
    if m.chinese:
        out.append(m.chinese)
        out.append("".join(sound.pinyin(m.chinese)).upper())
        out += [re.sub(r"[^A-Z0-9 ]", "", s.split(",")[0].upper()).strip() for s in lexicon.senses(m.chinese)[:3]]
    elif chinese_too and m.latin:  # a Latin mark among Chinese ones: its renderings (STARBUCKS → 星巴克)
        out += lexicon.renderings(m.latin)
    return [r for r in dict.fromkeys(out) if len(r) >= 2]


def classes_near(classes: list[int]) -> list[int]:
    """The classes a search covers: those asked for and the related ones."""
    near = set(classes)
    for pair in _related():
        if pair & set(classes):
            near |= pair
    return sorted(near)


def _search_sql(jurisdiction: str, k: date, d: date) -> str:
    """The jurisdiction's marks as known on K (registered, or pending on D) with their text, classes and owner.

    An application is pending on D unless it was decided by D — and a decision recorded after K is not
    known yet: pending as known on K.
    """
    return f"""
        SELECT trademark_id AS right_id, mark_text, nice_classes, 'registered' AS status, holders[1] AS owner,
               registration_date AS since
        FROM trademarks WHERE jurisdiction = $j AND {known_at(k)} AND registration_date <= $d
        UNION ALL
        SELECT application_id, title, nice_classes, 'pending', applicants[1], filing_date
        FROM applications WHERE jurisdiction = $j AND kind = 'trademark' AND {known_at(k)}
          AND title IS NOT NULL AND filing_date <= $d
          AND (status = 'pending' OR status_date > $d OR status_date > $k)"""


def _near_sql(t: str, n: int) -> tuple[str, str]:
    """SQL over the text ``t``: its nearness to the nearest of the ``n`` readings ($q0 …), and whether it holds one.

    Or is held in one. The readings are unrolled: a lambda over a list per row costs about twice as much.
    """
    nearness = f"greatest({', '.join(f'jaro_winkler_similarity({t}, $q{i})' for i in range(n))})"
    inside = " OR ".join(
        f"(length($q{i}) >= 4 AND contains({t}, $q{i})) OR (length({t}) >= 4 AND contains($q{i}, {t}))"
        for i in range(n)
    )
    return nearness, inside


def clear(
    con: duckdb.DuckDBPyConnection,
    text: str,
    classes: list[int],
    jurisdiction: str,
    d: date,
    k: date,
    all_hits: bool = False,
) -> list[Conflict]:
    """The marks in force or pending on ``d`` (as known on ``k``) that conflict with ``text`` for ``classes``."""
    rules = rules_for(jurisdiction)
    q = readings(text, rules.jurisdiction == "CN")
    if not q:
        raise ValueError("the mark has no letters or Chinese characters to search")
    near = classes_near(classes) if classes else list(range(1, 46))
    nearness, inside = _near_sql("u", len(q))
    rows = con.execute(
        f"""SELECT right_id, mark_text, nice_classes, status, owner, since FROM (
              SELECT *, {nearness} AS nearness FROM (
                SELECT *, upper(mark_text) AS u FROM ({_search_sql(jurisdiction, k, d)}) m
                WHERE list_has_any(nice_classes, $near::VARCHAR[])))
            WHERE nearness >= {NEAR} OR {inside}
            ORDER BY nearness DESC, right_id LIMIT {HITS}""",
        {"j": jurisdiction, "d": d, "k": k, "near": [str(c) for c in near]} | {f"q{i}": r for i, r in enumerate(q)},
    ).fetchall()
    return _judged(con, rows, text, classes, jurisdiction, d, k, rules, all_hits)


def _judged(con, rows, text, classes, jurisdiction, d, k, rules, all_hits) -> list[Conflict]:
    """The hits compared with the query; a registration kept only while in force on ``d`` as known on ``k``."""
    registered = sorted({r[0] for r in rows if r[3] == "registered"})
    spells = {}
    if registered:  # the holder on D, and the last day in force as known on K (the spells run on through transfers)
        for rid, party, end in con.execute(
            f"""SELECT right_id, arg_max(party_id, CASE WHEN valid_from <= $d THEN valid_from END), max(valid_to)
                FROM ({view_sql(k, rules)}) s WHERE right_type = 'trademark' AND list_contains($ids, right_id)
                  AND valid_to > $d GROUP BY right_id HAVING min(valid_from) <= $d""",
            {"ids": registered, "d": d},
        ).fetchall():
            spells[rid] = (party, end)
    owners = {r[4] for r in rows} | {s[0] for s in spells.values()}
    names = {
        pid: (name, country)
        for pid, name, country in con.execute(
            f"SELECT party_id, name, country FROM parties WHERE list_contains($p, party_id) AND {known_at(k)}",
            {"p": sorted(o for o in owners if o)},
        ).fetchall()
    }
    crowded = crowded_words(text, [r[1] for r in rows])
    out = []
    for rid, mark, nice, status, owner, since in rows:
        until = None
        if status == "registered":
            if rid not in spells:
                continue
            owner, end = spells[rid]
            until = end - timedelta(days=1) if end.year < 9999 else None
        marks_classes = [int(c) for c in (nice or [])]
        c = compare(text, classes, mark, marks_classes, jurisdiction, crowded)
        if not (c.likely_confusion or all_hits):
            continue
        name, country = names.get(owner, (owner or "", ""))
        out.append(Conflict(rid, mark, status, since, until, name, country, marks_classes, c.score,
                            c.likely_confusion, c.dimensions, c.reasons))  # fmt: skip
    return sorted(out, key=lambda x: (-x.score, x.right_id))


#: a word of the query that this many of its near marks also have is a crowded field's word
CROWDED = 15


def crowded_words(text: str, near: list[str]) -> frozenset[str]:
    """The query's words that at least :data:`CROWDED` of the near marks found also have (BLUE, ROYAL, STAR …).

    The register itself says they distinguish nothing in these classes (du Pont factor 6). A one-word
    query has none: its word is the whole mark.
    """
    words = set(Mark.of(text).words)
    counts: dict[str, int] = {}
    for other in near:
        for w in set(Mark.of(other).words) & words:
            counts[w] = counts.get(w, 0) + 1
    return frozenset(w for w, n in counts.items() if n >= CROWDED and len(words) > 1)


@dataclass
class Alert:
    """A filing since the watch date that conflicts with one of the company's marks."""

    watched: str
    watched_classes: list[int]
    conflict: Conflict
    filed: date

    def as_json(self) -> dict:
        """The alert as the JSON of ``trademark watch`` and the API."""
        return {"watched": self.watched, "watched_classes": self.watched_classes, "filed": self.filed.isoformat()} | {
            "filing": self.conflict.as_json()
        }


def watch(
    con: duckdb.DuckDBPyConnection,
    marks: list[tuple[str, list[int]]],
    since: date,
    jurisdiction: str,
    k: date,
) -> list[Alert]:
    """The trademark filings dated ``since`` or later (as known on ``k``) that conflict with any of ``marks``."""
    con.execute("CREATE OR REPLACE TEMP TABLE watched (n INTEGER, q VARCHAR[], near VARCHAR[])")
    con.executemany(
        "INSERT INTO watched VALUES (?, ?, ?)",
        [
            (i, readings(t), [str(c) for c in classes_near(cl)] if cl else [str(c) for c in range(1, 46)])
            for i, (t, cl) in enumerate(marks)
        ],  # fmt: skip
    )
    t = "upper(a.title)"
    pairs = con.execute(
        f"""SELECT w.n, a.application_id, a.title, a.nice_classes, a.applicants[1], a.filing_date,
                   CASE WHEN a.status_date <= $k THEN a.status ELSE 'pending' END
            FROM applications a JOIN watched w ON list_has_any(a.nice_classes, w.near)
            WHERE a.jurisdiction = $j AND a.kind = 'trademark' AND a.title IS NOT NULL
              AND a.filing_date >= $since AND a.filing_date <= $k AND {known_at(k, "a")}
              AND (list_max(list_transform(w.q, lambda r: jaro_winkler_similarity({t}, r))) >= {NEAR}
                   OR len(list_filter(w.q, lambda r: (length(r) >= 4 AND contains({t}, r))
                                          OR (length({t}) >= 4 AND contains(r, {t})))) > 0)""",
        {"j": jurisdiction, "since": since, "k": k},
    ).fetchall()
    names = dict(
        con.execute(
            f"SELECT party_id, name || '|' || country FROM parties WHERE list_contains($p, party_id) AND {known_at(k)}",
            {"p": sorted({p[4] for p in pairs if p[4]})},
        ).fetchall()
    )
    near: dict[int, list[str]] = {}
    for n, _, title, *_ in pairs:
        near.setdefault(n, []).append(title)
    crowded = {n: crowded_words(marks[n][0], titles) for n, titles in near.items()}
    out = []
    for n, rid, title, nice, owner, filed, status in pairs:
        text, classes = marks[n]
        c = compare(text, classes, title, [int(x) for x in nice or []], jurisdiction, crowded[n])
        if c.likely_confusion:
            name, _, country = names.get(owner, "|").partition("|")
            standing = {"granted": "registered", "rejected": "refused", "withdrawn": "abandoned"}.get(status, status)
            conflict = Conflict(rid, title, standing, filed, None, name, country, [int(x) for x in nice or []],
                                c.score, True, c.dimensions, c.reasons)  # fmt: skip
            out.append(Alert(text, classes, conflict, filed))
    return sorted(out, key=lambda a: (a.watched, -a.conflict.score))
