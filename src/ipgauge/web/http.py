"""How the API answers: JSON or CSV by suffix, ``format=`` or ``Accept``; ETags; caching; streamed exports.

Cache lifetimes say how long an answer can stand. A release by id never changes (it reproduces by
construction): a year, immutable. A figure with an explicit knowledge date changes only if a
delivery arrives late with events recorded before that date: a day, revalidated by ETag. A figure
"as known today" changes with every delivery: a minute.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator

from fastapi import HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from ipgauge import csvfile

IMMUTABLE = "public, max-age=31536000, immutable"
DAY = "public, max-age=86400"
LATEST = "public, max-age=60"
PRIVATE = "no-store"

#: ``/v1/x.csv`` and ``/v1/x.json`` are ``/v1/x`` in that format; release files keep their names.
_SUFFIX = re.compile(r"^(/v1/(?!openapi\.json$)(?!releases/[^/]+/files/).+)\.(csv|json)$")


def suffix_format(scope: dict) -> None:
    """Turn a ``.csv``/``.json`` suffix into ``format=`` (an ASGI scope, changed in place); reads only.

    A write names its target exactly: ``PATCH /v1/cases/X.json`` is case X.json, never X.
    """
    if scope.get("method") not in ("GET", "HEAD"):
        return
    m = _SUFFIX.match(scope.get("path", ""))
    if m:
        scope["path"] = m.group(1)
        scope["raw_path"] = m.group(1).encode()
        extra = f"format={m.group(2)}".encode()
        qs = scope.get("query_string", b"")
        scope["query_string"] = (qs + b"&" + extra) if qs else extra


def wants_csv(request: Request, fmt: str | None) -> bool:
    """Whether the client asked for CSV (``format=csv`` wins over ``Accept``)."""
    return fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))


def csv_text(rows: list[dict]) -> str:
    """Rows as CSV, every key a column (the union, in first-seen order); lists joined with ';'."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    buf = io.StringIO()
    w = csvfile.DictWriter(buf, columns)
    w.writeheader()
    for r in rows:
        w.writerow({k: ";".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in r.items()})
    return buf.getvalue()


def json_only() -> HTTPException:
    """The 406 of a view that nests tables in tables, asked for as CSV."""
    return HTTPException(406, "this view nests tables in tables, so it is JSON only; leave out .csv/format=csv.")


def _nested(value: object) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value) and isinstance(value[0], dict))


def answer(
    request: Request,
    data: object,
    *,
    fmt: str | None = None,
    cache: str = LATEST,
    rows: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``data`` as JSON — or ``rows`` (default: ``data`` when it is a list) as CSV — with an ETag.

    A request whose ``If-None-Match`` holds the ETag gets 304 and no body.
    """
    if wants_csv(request, fmt or request.query_params.get("format")):
        table = rows if rows is not None else data if isinstance(data, list) else [data]
        if any(_nested(v) for r in table for v in r.values()):
            raise json_only()
        body, media = csv_text(table).encode(), "text/csv; charset=utf-8"
        if request.query_params.get("bom") in ("1", "true"):  # for Excel, which reads UTF-8 only after a BOM
            body = "\ufeff".encode() + body
        headers = {"Content-Disposition": f'attachment; filename="{download_name(request)}"'} | (headers or {})
    else:
        body = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":")).encode()
        media = "application/json"
    return tagged(request, body, media, cache, headers)


#: The query parameters that tell one download from another, in the order a file name gives them.
NAMED_BY = ("region", "as_of", "known_at", "series", "from", "by", "share_of", "year", "centre")


def download_name(request: Request) -> str:
    """A CSV's file name saying what it holds: valid_invention_patents-210000-2024-12-31-K2025-06-30-subregion.csv."""
    parts = [request.url.path.rstrip("/").rsplit("/", 1)[-1]]
    for key in NAMED_BY:
        value = request.query_params.get(key)
        if value:
            parts.append(("K" if key == "known_at" else "") + value)
    return re.sub(r"[^\w.-]+", "_", "-".join(parts), flags=re.ASCII)[:150] + ".csv"


def tagged(request: Request, body: bytes, media: str, cache: str, headers: dict[str, str] | None = None) -> Response:
    """A whole body with its ETag and Cache-Control; 304 when the client already has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    head = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept, X-Api-Key"} | (headers or {})
    held = [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]
    if etag in held or "*" in held:
        return Response(status_code=304, headers=head)
    return Response(body, media_type=media, headers=head)


def stream_csv(columns: list[str], count: int, batches: Iterable[list[tuple]], name: str) -> StreamingResponse:
    """A full export: CSV streamed batch by batch, its row count in ``X-Row-Count`` before the first byte."""

    def body() -> Iterator[bytes]:
        buf = io.StringIO()
        w = csvfile.Writer(buf)
        w.writerow(columns)
        for batch in batches:
            w.writerows(batch)
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue().encode()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "X-Row-Count": str(count),
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": PRIVATE,
        },
    )


def next_link(request: Request, after: str | None) -> dict[str, str]:
    """The ``Link: rel=next`` header of a keyset page (none on the last page).

    A relative reference (RFC 8288 allows it): the ``Host`` a client sent is never echoed into an
    answer that caches may keep and serve to others.
    """
    if after is None:
        return {}
    url = request.url.include_query_params(after=after)
    return {"Link": f'<{url.path}?{url.query}>; rel="next"', "X-Next-After": after}
