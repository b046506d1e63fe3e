"""``/v1/trademarks``: compare two marks (public), clear a mark and watch for squatters (with a key).

``GET /v1/trademarks/compare`` answers exactly what ``ipgauge trademark compare --format json``
prints (``likely_confusion, score, dimensions, reasons``); ``POST /v1/trademarks/clear`` and
``POST /v1/trademarks/watch`` what ``trademark clear`` and ``trademark watch`` print as JSON.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import Field

from ipgauge.web.api_figures import day
from ipgauge.web.api_services import JURISDICTIONS, Body, answer_private
from ipgauge.web.guard import Context, context, need_key
from ipgauge.web.http import DAY, answer

router = APIRouter(prefix="/v1/trademarks")
CLASSES = "^[0-9]{1,2}([,;][0-9]{1,2}){0,44}$"


def _classes(text: str | None) -> list[int]:
    from ipgauge.services.marks.similarity import nice_classes

    try:
        return nice_classes(text)
    except ValueError as e:
        raise HTTPException(400, str(e)) from None


@router.get("/compare")
def compare(
    request: Request,
    a: str = Query(..., min_length=1, max_length=500, description="the first mark"),
    b: str = Query(..., min_length=1, max_length=500, description="the second mark"),
    classes_a: str | None = Query(None, pattern=CLASSES, description="e.g. 25 or 9,42"),
    classes_b: str | None = Query(None, pattern=CLASSES),
    jurisdiction: str = Query("US", pattern=JURISDICTIONS),
):
    """How alike two marks are in sound, sight, meaning and goods (`trademark compare --format json`)."""
    from ipgauge.services.marks.similarity import compare as run

    try:
        result = run(a, _classes(classes_a), b, _classes(classes_b), jurisdiction)
    except ValueError as e:
        raise HTTPException(400, str(e)) from None
    return answer(request, result.as_json(), cache=DAY)


class ClearRequest(Body):
    """A mark to clear, its classes, the office and the dates."""

    mark: str = Field(..., min_length=1, max_length=500)
    classes: list[int] = Field(..., min_length=1, max_length=45)
    jurisdiction: str = Field("US", pattern=JURISDICTIONS)
    as_of: str | None = Field(None, max_length=10)
    known_at: str | None = Field(None, max_length=10)


def _dates(as_of: str | None, known_at: str | None) -> tuple[date, date]:
    d = day(as_of, "as_of") or date.today()
    return d, day(known_at, "known_at") or min(d, date.today())


@router.post("/clear", dependencies=[Depends(need_key)])
def clear(request: Request, q: ClearRequest, ctx: Context = Depends(context)):
    """The marks in force or pending on D (as known on K) that conflict with a mark (`trademark clear`)."""
    from ipgauge.register import store
    from ipgauge.services.marks.clearance import clear as run

    if any(not 1 <= c <= 45 for c in q.classes):
        raise HTTPException(400, "a Nice class is a number from 1 to 45")
    d, k = _dates(q.as_of, q.known_at)
    with ctx.gate.reading(), store.reading(ctx.db) as con:
        try:
            found = run(con, q.mark, q.classes, q.jurisdiction, d, k)
        except ValueError as e:
            raise HTTPException(400, str(e)) from None
    return answer_private(request, {"as_of": str(d), "known_at": str(k), "conflicts": [c.as_json() for c in found]})


class Watched(Body):
    """One of the company's marks and its classes."""

    mark: str = Field(..., min_length=1, max_length=500)
    classes: list[int] = Field(default_factory=list, max_length=45)


class WatchRequest(Body):
    """The company's marks (at most 1,000) and the day filings are watched from."""

    marks: list[Watched] = Field(..., min_length=1, max_length=1000)
    since: str = Field(..., max_length=10)
    jurisdiction: str = Field("US", pattern=JURISDICTIONS)
    known_at: str | None = Field(None, max_length=10)


@router.post("/watch", dependencies=[Depends(need_key)])
def watch(request: Request, q: WatchRequest, ctx: Context = Depends(context)):
    """Filings since a date that conflict with a company's marks: the squatting alert (`trademark watch`)."""
    from ipgauge.register import store
    from ipgauge.services.marks.clearance import watch as run

    if any(not 1 <= c <= 45 for m in q.marks for c in m.classes):
        raise HTTPException(400, "a Nice class is a number from 1 to 45")
    since = day(q.since, "since")
    k = day(q.known_at, "known_at") or date.today()
    with ctx.gate.reading(), store.reading(ctx.db) as con:
        alerts = run(con, [(m.mark, m.classes) for m in q.marks], since, q.jurisdiction, k)
    return answer_private(request, {"since": str(since), "known_at": str(k), "alerts": [a.as_json() for a in alerts]})
