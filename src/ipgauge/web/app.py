"""The versioned HTTP API under ``/v1``: the same figures as the command line, from the same engine calls.

Contract (issue 13): ``GET /v1/indicators/{name}?region=&as_of=&known_at=`` answers the object that
``ipgauge indicator NAME --region R --as-of D --known-at K --format json`` prints; a list (a series or
a breakdown) is a JSON array, or CSV with ``.csv`` / ``Accept: text/csv``. A user error — an unknown
region, an impossible date — is HTTP 400 (404 for an unknown indicator) with ``{"error": sentence}``,
the sentence the command line prints; nothing a request says is ever put into SQL or a path unbound.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from ipgauge import __version__
from ipgauge.errors import UserError
from ipgauge.indicators.catalogue import indicator, listing
from ipgauge.indicators.query import open_engine
from ipgauge.regions.groups import describe, search
from ipgauge.regions.groups import region as find_region
from ipgauge.register.schema import parse_date

DATE_HELP = "YYYY-MM-DD"


def _day(value: str | None, name: str) -> date | None:
    return None if value is None else parse_date(value, name)


def _wants_csv(request: Request, fmt: str | None) -> bool:
    return fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))


def _csv(rows: list[dict]) -> Response:
    """Rows as CSV, every key a column (the union, in first-seen order)."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buf = io.StringIO()
    w = csv.DictWriter(buf, columns, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")


def create_app(db: Path) -> FastAPI:
    """The API over the register at ``db`` (opened read-only per request; its caches are shared)."""
    app = FastAPI(
        title="ipgauge",
        version=__version__,
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        description="Regional intellectual-property statistics: the same figures as the ipgauge command line.",
    )

    @app.exception_handler(UserError)
    async def user_error(_request: Request, e: UserError) -> JSONResponse:
        status = 404 if str(e).startswith("no indicator") else 400
        return JSONResponse({"error": str(e)}, status_code=status)

    @app.get("/v1/regions")
    def regions(
        request: Request,
        q: str | None = Query(None, max_length=100, description="Code, Chinese or English name, or group."),
        format: str | None = Query(None, pattern="^(json|csv)$"),
    ):
        """Divisions and groups matching ``q`` (what `ipgauge regions QUERY --format json` lists)."""
        rows = [describe(r) for r in search(q)]
        return _csv(rows) if _wants_csv(request, format) else rows

    @app.get("/v1/catalogue")
    def list_indicators(request: Request, format: str | None = Query(None, pattern="^(json|csv)$")):
        """The indicator catalogue (what `ipgauge indicators --format json` lists)."""
        rows = listing()
        return _csv(rows) if _wants_csv(request, format) else rows

    @app.get("/v1/indicators/{name}")
    def figure(
        request: Request,
        name: str,
        region: str = Query("CN", max_length=100),
        as_of: str = Query(..., max_length=10, description=DATE_HELP),
        known_at: str | None = Query(None, max_length=10, description=DATE_HELP + " (default: today)"),
        series: str | None = Query(None, description="monthly, quarterly or yearly"),
        start: str | None = Query(None, alias="from", max_length=10, description="first date of a series"),
        to: str | None = Query(None, max_length=10, description="last date of a series (default: as_of)"),
        by: str | None = Query(None, description="a breakdown: subregion, holder_type, field, country, centre …"),
        share_of: str | None = Query(None, max_length=100),
        format: str | None = Query(None, pattern="^(json|csv)$"),
    ):
        """One figure with its value a year earlier — or a series, or a breakdown — as `ipgauge indicator` gives."""
        indicator(name)
        where = find_region(region)
        d = _day(as_of, "as_of")
        k = _day(known_at, "known_at") or date.today()
        parent = find_region(share_of) if share_of else None
        if parent is not None and (series or by):
            raise UserError("share_of gives the share of a single figure; leave out series and by.")
        with open_engine(db, k) as engine:
            if series:
                first = _day(start, "from")
                if first is None:
                    raise UserError("a series needs from=DATE.")
                points = engine.series(name, where, series, first, _day(to, "to") or d, by)
            elif by:
                points = engine.breakdown(name, where, d, by)
            else:
                point = engine.point(name, where, d, parent).as_dict()
                return _csv([point]) if _wants_csv(request, format) else point
        rows = [p.as_dict() for p in points]
        return _csv(rows) if _wants_csv(request, format) else rows

    return app
