"""A synthetic US trademark register at the USPTO's scale, for clearance and watch benchmarks.

About three million live marks (the USPTO's live register is about that size): registrations with
their §8 declarations and §9 renewals (so the US rule set keeps them in force), pending applications,
and a week of new filings at the end for the squatting watch. Marks are drawn to look real: coined
brand words from syllables (ZENTORA), an English word with a coined one (AMBER KLOVEX), English
pairs (BLUE HARBOR), names with a suffix (MILLER'S), and pinyin brands from Chinese owners (HUAXIN,
JINLONG); classes follow the USPTO's busiest (9, 25, 35, 41, 42, 5, 3 …); owners are spread over
countries and US states.

Written as a canonical Parquet delivery (``ipgauge load`` takes it), labelled synthetic, from whole
numpy columns: no loop over marks.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ipgauge.register.store import synthetic_notice

_ONSETS = "b c d f g h j k l m n p r s t v z br cr dr fl gr kl pr st tr vr zh".split()
_VOWELS = "a e i o u ia io ea ou".split()
_CODAS = ["", "", "", "n", "r", "x", "s", "l", "m", "k", "t"]
_WORDS = (
    "blue red green black white golden silver royal prime true bright swift bold noble wild happy lucky "
    "harbor river stone forest summit eagle lion tiger falcon wolf bear star sun moon ocean sky cloud "
    "peak crest bridge garden valley spring maple cedar oak pine rose lotus pearl crown shield arrow "
    "spark wave pulse nova fusion vector matrix origin quest spirit harmony liberty legacy heritage "
    "amber anchor apex atlas aurora beacon birch bloom canyon cascade cobalt comet coral cosmos cotton "
    "crystal delta dune echo ember fable fern fjord flint frost glacier granite grove halo hawk horizon "
    "iris ivory jade jasper juniper kestrel lagoon lark laurel lumen lunar magnet marble meadow mesa "
    "mist monarch mosaic nectar north onyx opal orbit orchid osprey pebble phoenix pilot plume prairie "
    "quartz radiant raven reef ridge saffron sage sierra solar sparrow sterling summit tidal timber "
    "topaz trail tundra urban velvet vista willow zenith"
).split()
_NAMES = "miller smith johnson carter wilson parker morgan bennett hayes foster brooks reed".split()
_PINYIN = "hua xin jin long tian feng hai yang ming guang da xing bao li kang sheng mei jia an fu".split()
#: the USPTO's busiest classes first, with a weight each (the rest share what is left)
_CLASS_WEIGHTS = {9: 10, 25: 9, 35: 9, 41: 7, 42: 7, 5: 5, 3: 5, 30: 4, 21: 3, 28: 3, 16: 3, 18: 3, 44: 3, 43: 3}
_COUNTRIES = {"US": 60, "CN": 16, "DE": 4, "JP": 4, "GB": 3, "KR": 3, "FR": 2, "CA": 2, "IT": 2, "TW": 2, "IN": 2}
_STATES = "CA NY TX FL IL WA MA NJ PA GA OH MI NC VA CO AZ".split()
RECORDED = date(2026, 6, 30)


def _coined(rng: np.random.Generator, n: int) -> np.ndarray:
    parts = [
        rng.choice(_ONSETS, n), rng.choice(_VOWELS, n), rng.choice(_ONSETS, n), rng.choice(_VOWELS, n),
        rng.choice(_CODAS, n),
    ]  # fmt: skip
    words = np.char.add(np.char.add(np.char.add(np.char.add(parts[0], parts[1]), parts[2]), parts[3]), parts[4])
    return np.char.upper(words)


def _texts(rng: np.random.Generator, n: int, chinese_owner: np.ndarray) -> np.ndarray:
    kind = rng.choice(5, n, p=[0.5, 0.2, 0.15, 0.05, 0.1])
    coined = _coined(rng, n)
    word = np.char.upper(rng.choice(_WORDS, n))
    pair = np.char.add(np.char.add(word, " "), np.char.upper(rng.choice(_WORDS, n)))
    with_coined = np.char.add(np.char.add(word, " "), _coined(rng, n))
    named = np.char.add(np.char.upper(rng.choice(_NAMES, n)), "'S")
    text = np.select([kind == 0, kind == 1, kind == 2, kind == 3], [coined, with_coined, pair, word], named)
    pinyin = np.char.upper(np.char.add(rng.choice(_PINYIN, n), rng.choice(_PINYIN, n)))
    text = np.where(chinese_owner & (rng.random(n) < 0.5), pinyin, text)
    suffix = rng.random(n) < 0.25  # a distinguishing word makes most texts unique
    return np.where(suffix, np.char.add(np.char.add(text, " "), np.char.upper(rng.choice(_WORDS, n))), text)


def _classes(rng: np.random.Generator, n: int) -> list[str]:
    classes = np.arange(1, 46)
    weights = np.ones(45)
    for c, w in _CLASS_WEIGHTS.items():
        weights[c - 1] = w * 4
    weights /= weights.sum()
    first = rng.choice(classes, n, p=weights)
    second = rng.choice(classes, n, p=weights)
    two = (rng.random(n) < 0.35) & (second != first)
    return [f"{a};{b}" if t else str(a) for a, b, t in zip(first.tolist(), second.tolist(), two.tolist(), strict=True)]


def _days(d: np.ndarray) -> np.ndarray:
    return np.datetime64("1970-01-01") + d.astype("timedelta64[D]")


def write(out: Path, n: int = 3_000_000, seed: int = 32, week: int = 10_000) -> dict:
    """Write ``n`` live marks and ``week`` filings of the last week before :data:`RECORDED` into ``out``."""
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    owners = max(1000, n // 5)
    country = rng.choice(list(_COUNTRIES), owners, p=np.array(list(_COUNTRIES.values())) / sum(_COUNTRIES.values()))
    state = np.where(country == "US", rng.choice(_STATES, owners), None)
    party_ids = np.char.add("SYNUS", np.char.zfill(np.arange(owners).astype(str), 7))
    names = np.char.add(
        np.char.add(np.char.title(_coined(rng, owners)), " "),
        rng.choice(["Inc.", "LLC", "Co., Ltd.", "GmbH", "Corp."], owners),
    )
    pq.write_table(pa.table({
        "party_id": party_ids, "name": names, "party_type": np.full(owners, "enterprise"), "country": country,
        "subdivision": [f"US-{s}" if s else None for s in state],
    }), out / "parties.parquet")  # fmt: skip
    total = n + week
    owner = rng.integers(0, owners, total)
    chinese = country[owner] == "CN"
    text = _texts(rng, total, chinese)
    classes = _classes(rng, total)
    serial = np.char.add("USTM", (70_000_000 + rng.permutation(29_000_000)[:total]).astype(str))
    recorded = (np.datetime64(RECORDED) - np.datetime64("1970-01-01")).astype(int)
    registered = np.zeros(total, bool)
    registered[:n] = rng.random(n) < 0.85
    reg_day = recorded - rng.integers(30, 36 * 365, total)
    filed = reg_day - rng.integers(240, 500, total)
    pending_filed = recorded - rng.integers(8, 700, total)
    filed = np.where(registered, filed, pending_filed)
    filed[n:] = recorded - rng.integers(0, 7, week)  # the last week's filings
    apps = {
        "application_id": serial, "jurisdiction": np.full(total, "US"), "kind": np.full(total, "trademark"),
        "route": np.where(rng.random(total) < 0.06, "madrid_designation", "national"), "title": text,
        "filing_date": _days(filed), "applicants": party_ids[owner],
        "status": np.where(registered, "granted", "pending"),
        "status_date": np.where(registered, _days(reg_day), np.datetime64("NaT")),
        "right_id": np.where(registered, serial, None), "nice_classes": classes,
    }  # fmt: skip
    pq.write_table(pa.table(apps), out / "applications.parquet")
    r = np.flatnonzero(registered)
    pq.write_table(pa.table({
        "trademark_id": serial[r], "jurisdiction": np.full(len(r), "US"), "mark_text": text[r],
        "kind": np.full(len(r), "ordinary"), "is_gi": np.zeros(len(r), bool),
        "nice_classes": [classes[i] for i in r.tolist()], "filing_date": _days(filed[r]),
        "registration_date": _days(reg_day[r]), "holders": party_ids[owner[r]],
        "mark_form": np.where(rng.random(len(r)) < 0.7, "standard_characters", "words_and_design"),
    }), out / "trademarks.parquet")  # fmt: skip
    _events(out, serial[r], reg_day[r], recorded)
    manifest = {"synthetic": True, "generator": "ipgauge synth us-marks", "seed": seed, "live_marks": n,
                "week_filings": week, "recorded_date": RECORDED.isoformat()}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "README.txt").write_text(synthetic_notice(), encoding="utf-8")
    return manifest


def _events(out: Path, ids: np.ndarray, reg_day: np.ndarray, recorded: int) -> None:
    """A §8 declaration 5½ years after registration, and a renewal each tenth year, for what is that old."""
    ids_out, kinds, days, values = [], [], [], []
    declared = reg_day + 2000 < recorded
    ids_out.append(ids[declared])
    kinds.append(np.full(declared.sum(), "declared"))
    days.append(reg_day[declared] + 2000)
    values.append(np.full(declared.sum(), "8"))
    for term in (1, 2, 3):
        due = reg_day + int(3652.5 * term) - 60
        renewed = due < recorded
        ids_out.append(ids[renewed])
        kinds.append(np.full(renewed.sum(), "renewed"))
        days.append(due[renewed])
        expiry = _days(reg_day[renewed]).astype("datetime64[D]").astype(object)
        values.append(np.array([_add_years(e, 10 * (term + 1)) for e in expiry], dtype=object))
    when = _days(np.concatenate(days))
    pq.write_table(pa.table({
        "right_type": np.full(len(when), "trademark"), "right_id": np.concatenate(ids_out),
        "event": np.concatenate(kinds), "effective_date": when, "recorded_date": when,
        "value": np.concatenate(values).astype(str),
    }), out / "events.parquet")  # fmt: skip


def _add_years(d: date, years: int) -> str:
    try:
        return d.replace(year=d.year + years).isoformat()
    except ValueError:  # 29 February
        return (d.replace(year=d.year + years, day=28) + timedelta(days=1)).isoformat()
