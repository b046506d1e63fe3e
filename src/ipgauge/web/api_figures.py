"""``/v1`` statistics: regions, the catalogue, indicator figures, their rights in full, a right's status.

Contract (issue 13): ``GET /v1/indicators/{name}?region=&as_of=&known_at=`` answers the object that
``ipgauge indicator NAME --region R --as-of D --known-at K --format json`` prints, from the same
counter calls; a series or a breakdown is the CLI's JSON array.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import indicator, listing
from ipgauge.indicators.query import MEMBER_COLUMNS, open_counter
from ipgauge.regions.groups import Region, describe, search
from ipgauge.regions.groups import region as find_region
from ipgauge.register.schema import parse_date, parse_knowledge_date
from ipgauge.web.guard import Context, context, need_key
from ipgauge.web.http import DAY, IMMUTABLE, LATEST, answer, next_link, stream_csv

router = APIRouter(prefix="/v1")
DATE = "YYYY-MM-DD"
Format = Query(None, pattern="^(json|csv)$", description="json or csv (or a .csv/.json suffix, or Accept)")
MAX_PAGE = 500
RegionQuery = Query("CN", max_length=100, description="a region code, Chinese or English name, or group")
AsOf = Query(..., max_length=10, description=DATE)
KnownAt = Query(None, max_length=10, description=DATE + " (default: today)")


@dataclass(frozen=True)
class Asked:
    """What most reads ask: a region on D as known on K (K explicit or today, which sets how long it is cached)."""

    where: Region
    d: date
    k: date
    explicit: bool

    @property
    def cache(self) -> str:
        """A day for an explicit K in the past, a minute for "as known today" (or a K still to come)."""
        return DAY if self.explicit and self.k < date.today() else LATEST


async def asked(region: str = RegionQuery, as_of: str = AsOf, known_at: str | None = KnownAt) -> Asked:
    """A dependency: the region, D and K of a request, each refused in the CLI's words when impossible.

    Async: a lookup in the shipped tables and two date parses, cheaper on the event loop than a thread.
    """
    k = day(known_at, "known_at")
    return Asked(find_region(region), day(as_of, "as_of"), k or date.today(), k is not None)


MAX_SERIES_YEARS = 50  # 600 month ends: an answer's size stays bounded whatever a client asks


def day(value: str | None, name: str) -> date | None:
    """A request's date, refused in the CLI's words when impossible (a knowledge date in the future too)."""
    if value is None:
        return None
    return parse_knowledge_date(value, name) if name == "known_at" else parse_date(value, name)


def keyset(rows: list[dict], key: str, after: str | None, limit: int) -> tuple[list[dict], str | None]:
    """A page of ``rows`` (sorted by ``key``) after ``after``, and the cursor of the next page."""
    rest = [r for r in rows if after is None or str(r[key]) > after]
    page = rest[:limit]
    return page, (str(page[-1][key]) if len(rest) > limit else None)


@router.get("/regions")
def regions(
    request: Request,
    q: str | None = Query(None, max_length=100, description="Code, Chinese or English name, or group."),
    after: str | None = Query(None, max_length=20, description="the last code of the previous page"),
    limit: int = Query(MAX_PAGE, ge=1, le=MAX_PAGE),
    format: str | None = Format,
):
    """Divisions and groups matching ``q`` (the rows of `ipgauge regions QUERY --format json`), by code."""
    rows = sorted((describe(r) for r in search(q)), key=lambda r: r["code"])
    page, nxt = keyset(rows, "code", after, limit)
    return answer(request, page, fmt=format, cache=IMMUTABLE if q else DAY, headers=next_link(request, nxt))


@router.get("/catalogue")
def catalogue(request: Request, format: str | None = Format):
    """The indicator catalogue (the rows of `ipgauge indicators --format json`)."""
    return answer(request, listing(), fmt=format, cache=DAY)


@router.get("/indicators/{name}")
async def figure(
    request: Request,
    name: str,
    q: Asked = Depends(asked),
    series: str | None = Query(None, pattern="^(monthly|quarterly|yearly)$"),
    start: str | None = Query(None, alias="from", max_length=10, description="first date of a series"),
    to: str | None = Query(None, max_length=10, description="last date of a series (default: as_of)"),
    by: str | None = Query(None, max_length=30, description="subregion, holder_type, field, country, centre …"),
    share_of: str | None = Query(None, max_length=100),
    format: str | None = Format,
    ctx: Context = Depends(context),
):
    """One figure with its value a year earlier — or a series, or a breakdown — as `ipgauge indicator` gives."""
    indicator(name)
    where, d, k = q.where, q.d, q.k
    parent = find_region(share_of) if share_of else None
    if parent is not None and (series or by):
        raise UserError("share_of gives the share of a single figure; leave out series and by.")
    first, last = day(start, "from"), day(to, "to") or d
    if series and first is None:
        raise UserError("a series needs from=DATE.")
    if series and (last - first).days > MAX_SERIES_YEARS * 366:
        raise UserError(f"a series spans at most {MAX_SERIES_YEARS} years; ask for a later from= or an earlier to=.")
    key = ("figure", name, where.code, d, k, series, first, last, by, parent and parent.code, ctx.answers.state())
    data = ctx.answers.get(key)
    if data is None:  # computed in a worker thread; a kept answer is served from the event loop

        def compute():
            with ctx.gate.reading(), open_counter(ctx.db, k) as counter:
                if series:
                    return [p.as_dict() for p in counter.series(name, where, series, first, last, by)]
                if by:
                    return [p.as_dict() for p in counter.breakdown(name, where, d, by)]
                return counter.point(name, where, d, parent).as_dict()

        data = await run_in_threadpool(compute)
        ctx.answers.put(key, data)
        await run_in_threadpool(ctx.tidy)
    return answer(request, data, fmt=format, cache=q.cache)


@router.get("/indicators/{name}/rights", dependencies=[Depends(need_key)])
def rights(name: str, q: Asked = Depends(asked), ctx: Context = Depends(context)):
    """Every right a point figure counts, streamed as CSV with its row count in ``X-Row-Count`` (needs a key)."""
    indicator(name)
    where, d, k = q.where, q.d, q.k
    with ctx.gate.reading(), open_counter(ctx.db, k) as counter:
        t = counter.members(name, where, d)
        table = counter.backend.to_pyarrow(t)  # the whole export: its count is known before the first byte
    ctx.tidy()
    columns = [c for c in MEMBER_COLUMNS if c in table.column_names]

    def batches():
        for batch in table.to_batches(max_chunksize=10_000):
            cols = [batch.column(c).to_pylist() for c in columns]
            yield [tuple("" if v is None else v for v in row) for row in zip(*cols, strict=True)]

    return stream_csv(columns, table.num_rows, batches(), f"{name}-{where.code}-{d}-K{k}.csv")


@router.get("/rights/{right_id}/status")
def status(
    request: Request,
    right_id: str,
    as_of: str = AsOf,
    known_at: str | None = KnownAt,
    grace: bool = Query(True, description="count a trademark's grace period as in force"),
    format: str | None = Format,
    ctx: Context = Depends(context),
):
    """Whether a right is in force on D as known on K, why, and the events and spells behind it (`ipgauge status`)."""
    data = right_status(ctx, right_id, day(as_of, "as_of"), day(known_at, "known_at") or date.today(), grace)
    return answer(request, data, fmt=format, rows=data["events"], cache=DAY if known_at else LATEST)


def right_status(ctx: Context, right_id: str, d: date, k: date, grace: bool = True) -> dict:
    """`ipgauge status --format json`'s object: what the API and the dashboard's status page show."""
    from ipgauge.law.ruleset import Policy
    from ipgauge.law.status import explain
    from ipgauge.register import store

    if len(right_id) > 40:
        raise UserError("a right id is at most 40 characters.")
    with ctx.gate.reading():
        with store.reading(ctx.db) as con:
            return asdict(explain(con, right_id, d, k, policy=Policy(grace_in_force=grace)))


def register_info(ctx: Context) -> dict:
    """What the register holds: synthetic or not, how many deliveries, the latest recorded date."""
    from ipgauge.register import store

    key = ("register", ctx.answers.state())
    data = ctx.answers.get(key)
    if data is None:
        with ctx.gate.reading():
            with store.reading(ctx.db) as con:
                last, n = con.execute("SELECT max(recorded_date), count(*) FROM deliveries").fetchall()[0]
                # the rights' own latest date: a case written today must not move the dashboard's default D
                rights = store.scalar(
                    con, "SELECT max(coalesce(recorded_date, effective_date)) FROM events WHERE known_to IS NULL"
                )
                data = {
                    "synthetic": store.is_synthetic(con),
                    "deliveries": n,
                    "latest_recorded": str(last or ""),
                    "latest_event": str(min(rights, last) if rights and last else rights or last or ""),
                }
        ctx.answers.put(key, data)
    return data


@router.get("/register")
def register(request: Request, ctx: Context = Depends(context)):
    """The register behind the figures: synthetic or real, deliveries, the latest recorded date and event."""
    return answer(request, register_info(ctx), cache=LATEST)
