"""``/v1/releases``: stored releases, their text and files, the reproduce check and the diff against a later K.

A release by id never changes — it reproduces by construction — so its answers are cached for a
year; its files are drawn once from the stored figures into the register's cache.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse

from ipgauge.errors import UserError
from ipgauge.web.api_figures import DATE, MAX_PAGE, Format, day
from ipgauge.web.guard import Context, context, need_key
from ipgauge.web.http import IMMUTABLE, LATEST, PRIVATE, answer, next_link, tagged, wants_csv

router = APIRouter(prefix="/v1/releases")
ReleaseId = Path(..., pattern="^R[0-9a-f]{12}$", description="a release id, R and 12 hex digits")
_drawing = threading.Lock()  # one release drawn at a time: drawing is CPU-bound and two would fight


def _record(ctx: Context, release_id: str) -> dict:
    """A stored release: its snapshot record, spec, figures and text in both languages."""
    from ipgauge.releases import snapshot
    from ipgauge.releases.text import paragraphs, title

    key = ("release", release_id, ctx.answers.state())
    kept = ctx.answers.get(key)
    if kept is None:
        with ctx.gate.reading():
            spec, record, figures = snapshot.load(ctx.db, release_id)
        kept = record | {
            "spec": spec.as_dict(),
            "synthetic": figures.synthetic,
            "text": {
                lang: {"title": title(figures, lang), "paragraphs": paragraphs(figures, lang)}
                for lang in figures.spec["languages"]
            },
            "figures": figures.as_dict(),
        }
        ctx.answers.put(key, kept)
    return kept


@router.get("")
def releases(
    request: Request,
    after: str | None = Query(None, max_length=60, description="the cursor of the previous page (X-Next-After)"),
    limit: int = Query(50, ge=1, le=MAX_PAGE),
    format: str | None = Format,
    ctx: Context = Depends(context),
):
    """Stored releases, newest first (keyset pages: follow ``Link: rel=next``)."""
    from ipgauge.releases import snapshot

    cursor = None
    if after is not None:
        created, _, rid = after.partition("~")
        if not rid:
            raise UserError("after= takes the X-Next-After of the previous page (CREATED~RELEASE_ID).")
        cursor = (created, rid)
    with ctx.gate.reading():
        rows = snapshot.listing(ctx.db, cursor, limit + 1)
    page = rows[:limit]
    nxt = f"{page[-1]['created_at']}~{page[-1]['release_id']}" if len(rows) > limit else None
    return answer(request, page, fmt=format, cache=LATEST, headers=next_link(request, nxt))


@router.get("/{release_id}")
def release(request: Request, release_id: str = ReleaseId, format: str | None = Format, ctx=Depends(context)):
    """A release: its spec, K, the deliveries it saw, checksums, text zh/en and every figure (CSV: the figures)."""
    from ipgauge.releases.datafiles import figures_csv
    from ipgauge.releases.figures import Figures

    data = _record(ctx, release_id)
    if wants_csv(request, format):
        body = figures_csv(Figures.from_dict(data["figures"])).encode()
        return tagged(request, body, "text/csv; charset=utf-8", IMMUTABLE)
    return answer(request, data, cache=IMMUTABLE)


@router.get("/{release_id}/files")
def files(request: Request, release_id: str = ReleaseId, ctx=Depends(context)):
    """The release's files (drawn on first request: charts, HTML, PDF, XLSX, CSV, JSON, Markdown)."""
    return answer(request, file_rows(ctx, release_id), cache=IMMUTABLE)


def file_rows(ctx: Context, release_id: str) -> list[dict]:
    """The release's files: name, size, URL."""
    return [
        {"name": name, "bytes": p.stat().st_size, "url": f"/v1/releases/{release_id}/files/{name}"}
        for name, p in _files(ctx, release_id).items()
    ]


@router.get("/{release_id}/files/{name}")
def file(
    release_id: str = ReleaseId,
    name: str = Path(..., pattern=r"^[A-Za-z0-9_.-]{1,80}$"),
    ctx=Depends(context),
):
    """One file of the release, by its name in ``files``."""
    kept = _files(ctx, release_id)
    if name not in kept:  # looked up among the files, never joined into a path
        raise HTTPException(404, f"release {release_id} has no file {name!r}; GET its /files for the list.")
    return FileResponse(kept[name], headers={"Cache-Control": IMMUTABLE})


def _files(ctx: Context, release_id: str) -> dict:
    """The release's files by name, drawn on first request; found once per register state, not per file asked."""
    from ipgauge.releases import snapshot

    key = ("release-files", release_id, ctx.answers.state())
    kept = ctx.answers.get(key)
    if kept is None or not all(p.exists() for p in kept.values()):
        with _drawing, ctx.gate.reading():
            folder = snapshot.rendered(ctx.db, release_id)
        kept = {p.name: p for p in sorted(folder.iterdir()) if not p.name.startswith(("_", "."))}
        ctx.answers.put(key, kept)
    return kept


@router.get("/{release_id}/reproduce", dependencies=[Depends(need_key)])
def reproduce(request: Request, release_id: str = ReleaseId, ctx=Depends(context)):
    """Recompute the release from the deliveries it saw: does every figure come out the same? (needs a key)."""
    from ipgauge.releases import snapshot

    with ctx.gate.reading():
        try:
            computed = snapshot.reproduce(ctx.db, release_id)
        except UserError as e:
            if e.exit_code != 1:
                raise
            return answer(request, {"release_id": release_id, "reproduces": False, "why": str(e)}, cache=PRIVATE)
    result = {
        "release_id": release_id,
        "reproduces": True,
        "figures_checksum": computed.snapshot["figures_checksum"],
        "deliveries": computed.snapshot["deliveries"],
    }
    return answer(request, result, cache=PRIVATE)


@router.get("/{release_id}/diff", dependencies=[Depends(need_key)])
def diff(
    request: Request,
    release_id: str = ReleaseId,
    known_at: str = Query(..., max_length=10, description=DATE + ": the later knowledge date K2"),
    format: str | None = Format,
    ctx=Depends(context),
):
    """The figures that change when the release is known on K2, and the rights behind them (`release diff`)."""
    from ipgauge.releases import snapshot

    with ctx.gate.reading():
        changes = snapshot.diff(ctx.db, release_id, day(known_at, "known_at"))
    return answer(request, changes, fmt=format, cache=PRIVATE)
