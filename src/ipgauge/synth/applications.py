"""Synthetic applications: every patent and trademark filed since :data:`FROM`, its PCT and Madrid filings.

A chunk's applications come from the chunk's own rights, so the two agree: a granted patent's
application is granted on its grant date and names it; one never granted was refused, withdrawn or
deemed withdrawn on its decision day, or is still pending at the cut-off. A registered trademark's
application is granted on its registration date; refused ones are added beside them
(:data:`TRADEMARK_REFUSED` per registration, :data:`INVENTION_REFUSED` per invention), and the
applications filed in the last year that the office will register after the cut-off are pending
(one for each registration of the last year, a year later). Some domestic invention applicants also file a PCT
international application within the priority year (:data:`PCT_SHARE`), and some domestic trademark
holders an international registration under the Madrid system (:data:`MADRID_SHARE`).

The register of applications starts in :data:`FROM` (four years of flows and their year-on-year
changes), which keeps the national register's applications to tens of millions of rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pyarrow as pa

from ipgauge.synth import vocab
from ipgauge.synth.dates import day, days

FROM = day(date(2021, 1, 1))
#: How the applications never granted end (CNIPA's decided invention applications, approximately).
ENDINGS = {"rejected": 0.45, "withdrawn": 0.15, "deemed_withdrawn": 0.40}
PCT_SHARE = 0.045  # domestic invention applications with a PCT international application (≈ 70,000 a year)
MADRID_SHARE = 0.0009  # domestic trademark registrations extended under the Madrid system (≈ 6,000 a year)
TRADEMARK_REFUSED = 0.5  # refused trademark applications per registration (about two in three filings succeed)
#: Invention applications refused or withdrawn, per one the patents table holds (granted or pending): the
#: register of rights keeps few of them, and CNIPA grants about half of the invention applications it decides.
INVENTION_REFUSED = 0.8
REFUSED_IDS = 90_000_000  # refused trademark applications' numbers start here (registrations' are lower)


def _columns(n: int, **given: object) -> dict[str, pa.Array]:
    """The applications' columns, each given one or empty."""
    names = (
        "application_id jurisdiction kind route title filing_date publication_date applicants priority_date "
        "priority pct_number madrid_number status status_date right_id"
    ).split()
    out = {}
    for name in names:
        value = given.get(name)
        if value is None:
            out[name] = pa.nulls(n, pa.date32() if name.endswith("_date") else pa.string())
        elif isinstance(value, str):
            out[name] = pa.array(np.full(n, value, dtype=object), pa.string())
        else:
            out[name] = value if isinstance(value, pa.Array) else pa.array(value)
    return out


def _rows(columns: dict[str, pa.Array], keep: np.ndarray) -> dict[str, pa.Array] | None:
    if not keep.any():
        return None
    mask = pa.array(keep)
    return {k: v.filter(mask) for k, v in columns.items()}


class PctNumbering:
    """PCT application numbers as the receiving office gives them: PCT/CN<year>/<serial>, a serial per year."""

    def __init__(self) -> None:
        self.next: dict[int, int] = {}

    def assign(self, filed: np.ndarray) -> np.ndarray:
        """A number for each PCT filing date (in order)."""
        year = filed.astype("datetime64[Y]").astype(np.int64) + 1970
        out = np.empty(len(year), dtype=object)
        for y in np.unique(year):
            rows = np.flatnonzero(year == y)
            first = self.next.get(int(y), 1)
            self.next[int(y)] = first + len(rows)
            out[rows] = [f"PCT/CN{y}/{s:06d}" for s in range(first, first + len(rows))]
        return out


def of_patents(
    rng: np.random.Generator,
    kind: str,
    rows: dict[str, pa.Array],
    grant: np.ndarray,
    foreign: np.ndarray,
    cutoff: np.datetime64,
    numbers: tuple[PctNumbering, Callable[[np.ndarray, str], pa.Array]],
) -> list[dict[str, pa.Array]]:
    """The applications of a chunk of patents filed since :data:`FROM` (and their PCT filings): column dicts.

    ``numbers``: the PCT numbering, and the CN numbering (filing dates, kind → numbers) for refused inventions.
    """
    pct_numbers, cn_numbers = numbers
    out = _national_patents(rng, kind, rows, grant, cutoff)
    if kind == "invention":
        out += _refused_inventions(rng, rows, cutoff, cn_numbers)
    return [*out, *_pct(rng, rows, foreign, cutoff, pct_numbers)]


def _national_patents(
    rng: np.random.Generator, kind: str, rows: dict[str, pa.Array], grant: np.ndarray, cutoff: np.datetime64
) -> list[dict[str, pa.Array]]:
    filing = rows["filing_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    n = len(filing)
    granted = ~np.isnat(grant)
    decided_on = filing + days(rng, 540, 1460, n)
    ending = rng.choice(list(ENDINGS), size=n, p=list(ENDINGS.values()))
    status = np.where(granted, "granted", np.where(decided_on <= cutoff, ending, "pending"))
    status_date = np.where(granted, grant, np.where(decided_on <= cutoff, decided_on, np.datetime64("NaT", "D")))
    published = filing + days(rng, 240, 548, n)  # early publication on request, else at 18 months
    published = np.where(granted & (grant < published), grant, published)  # at the latest with the grant
    publication = np.where((kind == "invention") & (published <= cutoff), published, np.datetime64("NaT", "D"))
    national = _columns(
        n,
        application_id=rows["patent_id"],
        jurisdiction="CN",
        kind=kind,
        route="national",
        title=rows["title"],
        filing_date=pa.array(filing),
        publication_date=pa.array(publication),
        applicants=rows["holders"],
        status=pa.array(status, pa.string()),
        status_date=pa.array(status_date),
        right_id=pa.array(
            np.where(granted, np.asarray(rows["patent_id"].to_pylist(), dtype=object), None), pa.string()
        ),
    )
    return [r for r in [_rows(national, filing >= FROM)] if r]


def _refused_inventions(
    rng: np.random.Generator, rows: dict[str, pa.Array], cutoff: np.datetime64, cn_numbers: Callable
) -> list[dict[str, pa.Array]]:
    """Invention applications never granted, beside the chunk's: refused, withdrawn or pending at the cut-off."""
    filing = rows["filing_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    pick = np.flatnonzero((filing >= FROM) & (rng.random(len(filing)) < INVENTION_REFUSED))
    if not len(pick):
        return []
    take = pa.array(pick)
    picked = {k: v.take(take) for k, v in rows.items()}
    filed = filing[pick] + days(rng, 0, 30, len(pick))
    filed = np.minimum(filed, cutoff)
    picked["patent_id"] = cn_numbers(filed, "invention")
    picked["filing_date"] = pa.array(filed)
    never = np.full(len(filed), np.datetime64("NaT", "D"))
    return _national_patents(rng, "invention", picked, never, cutoff)


def _pct(
    rng: np.random.Generator, rows: dict[str, pa.Array], foreign: np.ndarray, cutoff: np.datetime64, pct_numbers
) -> list[dict[str, pa.Array]]:
    """The PCT international applications some domestic invention applicants file within the priority year."""
    filing = rows["filing_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    n = len(filing)
    pct_on = filing + days(rng, 90, 365, n)
    out = []
    pct = ~foreign & (rng.random(n) < PCT_SHARE) & (filing >= FROM) & (pct_on <= cutoff)
    if pct.any():
        number = np.full(n, None, dtype=object)
        number[pct] = pct_numbers.assign(pct_on[pct])
        pct_pub = filing + 548
        out.append(
            _rows(
                _columns(
                    n,
                    application_id=pa.array(number, pa.string()),
                    jurisdiction="WO",
                    kind="invention",
                    route="pct",
                    title=rows["title"],
                    filing_date=pa.array(pct_on),
                    publication_date=pa.array(np.where(pct_pub <= cutoff, pct_pub, np.datetime64("NaT", "D"))),
                    applicants=rows["holders"],
                    priority_date=pa.array(filing),
                    priority=vocab.join("CN ", rows["patent_id"]),
                    pct_number=pa.array(number, pa.string()),
                    status="pending",
                ),
                pct,
            )
        )
    return [r for r in out if r]


def of_trademarks(
    rng: np.random.Generator, rows: dict[str, pa.Array], foreign: np.ndarray, start: int, cutoff: np.datetime64
) -> list[dict[str, pa.Array]]:
    """The applications of a chunk of trademarks filed since :data:`FROM`, refused ones and Madrid registrations."""
    filing = rows["filing_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    registration = rows["registration_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    n = len(filing)
    recent = filing >= FROM
    registered = _marks(
        rows,
        recent,
        application_id=rows["trademark_id"],
        filing_date=pa.array(filing),
        status="granted",
        status_date=pa.array(registration),
        right_id=rows["trademark_id"],
    )
    refused_on = filing + days(rng, 180, 400, n)
    decided = refused_on <= cutoff
    refused = _marks(
        rows,
        recent & (rng.random(n) < TRADEMARK_REFUSED),
        application_id=_numbers(REFUSED_IDS + start, n),
        filing_date=pa.array(filing),
        status=pa.array(np.where(decided, "rejected", "pending"), pa.string()),
        status_date=pa.array(np.where(decided, refused_on, np.datetime64("NaT", "D"))),
    )
    pending_on = filing + 365  # filed a year after a registration of the last year: registered after the cut-off
    pending = _marks(
        rows,
        (registration > cutoff - 365) & (pending_on <= cutoff),
        application_id=_numbers(2 * REFUSED_IDS + start, n),
        filing_date=pa.array(pending_on),
        status="pending",
    )
    madrid = _madrid(rng, rows, registration, recent & ~foreign, start, cutoff)
    return [r for r in (registered, refused, pending, madrid) if r]


def _marks(rows: dict[str, pa.Array], keep: np.ndarray, **given: object) -> dict[str, pa.Array] | None:
    """Trademark applications at CNIPA for the ``keep`` rows of a chunk of marks (``given``: the rest)."""
    defaults = {"jurisdiction": "CN", "kind": "trademark", "route": "national"}
    return _rows(
        _columns(len(keep), **(defaults | {"title": rows["mark_text"], "applicants": rows["holders"]} | given)), keep
    )


def _numbers(first: int, n: int) -> pa.Array:
    """``n`` consecutive application numbers from ``first``."""
    return pa.array(np.char.mod("%d", first + np.arange(n)), pa.string())


def _madrid(
    rng: np.random.Generator,
    rows: dict[str, pa.Array],
    registration: np.ndarray,
    domestic: np.ndarray,
    start: int,
    cutoff: np.datetime64,
) -> dict[str, pa.Array] | None:
    """International registrations under the Madrid system of some of the chunk's domestic marks."""
    n = len(registration)
    filing = rows["filing_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    madrid_on = registration + days(rng, 30, 400, n)
    number = _numbers(1_600_000 + start, n)
    return _marks(
        rows,
        domestic & (rng.random(n) < MADRID_SHARE) & (madrid_on <= cutoff),
        application_id=vocab.join("M", number),
        jurisdiction="WO",
        route="madrid",
        filing_date=pa.array(registration + days(rng, 1, 29, n)),
        priority_date=pa.array(filing),
        madrid_number=number,
        status="granted",
        status_date=pa.array(madrid_on),
    )
