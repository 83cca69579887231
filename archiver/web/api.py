"""The JSON API under ``/api/``: every read goes through the catalogue's query modules.

OpenAPI schema at ``/api/openapi.json``, rendered at ``/api/docs`` (no outside assets).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from archiver.crawler.browser.modes import BrowserMode
from archiver.services.export import ExportSource, exporter, exporters
from archiver.services.export.stream import stream_export
from archiver.services.renderings import FULL_PAGE, latest, rendering_record
from archiver.services.versions import history, pick_pair
from archiver.web import records
from archiver.web.deps import archive_of, catalogue, page_captures, search_filters
from archiver.web.jobs import ArchiveJobError
from archiver.web.params import CaptureId, Offset, StatusFilter, id_query
from archiver.web.security import check_bearer
from storage.catalogue import Sort

__all__ = ["ArchiveRequest", "router"]

router = APIRouter(prefix="/api", tags=["api"])

Q = Annotated[str, Query(description='Full-text query: words, "a phrase", prefix*, OR, NOT, title:word.')]


class ArchiveRequest(BaseModel):
    """The body of ``POST /api/archive``."""

    urls: list[str] = Field(description="http(s) URLs to archive now.", min_length=1)
    screenshot: bool = Field(True, description="Keep a full-page screenshot of each page as replayed "
                                               "from the archive (needs Chromium on the server).")
    browser: BrowserMode = Field(BrowserMode.auto, description="Render pages needing JavaScript in Chromium: never, "
                                 "auto (script-built pages without an article) or always.")


@router.get("/search", summary="Search archived articles")
def api_search(
    request: Request,
    q: Q = "",
    author: Annotated[str | None, Query(description="Only articles by this author (whole words).")] = None,
    site: Annotated[str | None, Query(description="Only pages on this host or its subdomains.")] = None,
    lang: Annotated[str | None, Query(description="Only articles in this language (en).")] = None,
    since: Annotated[str | None, Query(description="Published on or after (2023, 2023-04, 2023-04-16, ISO).")]
    = None,
    until: Annotated[str | None, Query(description="Published on or before (the whole day, month or year).")]
    = None,
    status: StatusFilter = None,
    sort: Annotated[Sort | None, Query(description="relevance (default with a query) or date.")] = None,
    all_versions: Annotated[bool, Query(description="Every capture of a page, not only its latest match.")]
    = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """The same results as ``archiver search --json``: each hit has ``capture_id``, ``url``,
    ``title``, ``author``, ``published``, ``snippet`` (with ``highlights`` spans) and more."""
    filters = search_filters(q, author=author, site=site, lang=lang, since=since, until=until, status=status,
                             sort=sort, all_versions=all_versions)
    store = catalogue(request)
    hits = store.search(filters, limit=limit + 1, offset=offset)
    more = len(hits) > limit
    results = [records.hit_record(hit) for hit in hits[:limit]]
    return {"query": q, "offset": offset, "limit": limit, "next_offset": offset + limit if more else None,
            "hits": results}


@router.get("/export/formats", summary="Export formats")
def api_export_formats() -> dict[str, Any]:
    """Every export format (``archiver export --format``); ``streamable`` ones are served by ``/api/export``."""
    return {"formats": [{"name": item.name, "help": item.help, "streamable": not item.needs_output,
                         "suffix": item.suffix, "media_type": item.media_type} for item in exporters()]}


@router.get("/export", summary="Export the articles a search selects",
            responses={400: {"description": "a bad query or filter, or a format that cannot be streamed"}})
def api_export(
    request: Request,
    format: Annotated[str, Query(description="A streamable format of /api/export/formats.")] = "jsonl",  # noqa: A002
    q: Q = "",
    author: Annotated[str | None, Query(description="Only articles by this author (whole words).")] = None,
    site: Annotated[str | None, Query(description="Only pages on this host or its subdomains.")] = None,
    lang: Annotated[str | None, Query(description="Only articles in this language (en).")] = None,
    since: Annotated[str | None, Query(description="Published on or after (2023, 2023-04, 2023-04-16, ISO).")]
    = None,
    until: Annotated[str | None, Query(description="Published on or before (the whole day, month or year).")]
    = None,
    status: StatusFilter = None,
    sort: Annotated[Sort | None, Query(description="relevance (default with a query) or date.")] = None,
    all_versions: Annotated[bool, Query(description="Every capture of a page, not only its latest match.")]
    = False,
    limit: Annotated[int | None, Query(ge=1, description="Export at most this many articles.")] = None,
) -> StreamingResponse:
    """The same bytes as ``archiver export --format FORMAT`` with these filters, streamed."""
    chosen = exporter(format)  # an unknown format is a UsageError: 400
    if chosen.needs_output:
        raise HTTPException(400, f"format {chosen.name} cannot be streamed: use archiver export -o PATH")
    filters = search_filters(q, author=author, site=site, lang=lang, since=since, until=until, status=status,
                             sort=sort, all_versions=all_versions)
    archive = archive_of(request)

    def run(output: Any) -> int:
        with archive.export_selection(filters, limit=limit) as selected:
            source = ExportSource(catalogue=selected, warc_dir=archive.config.warc_dir)
            return chosen.export(source, selected.articles, output)

    chunks = stream_export(run)  # a query the index cannot parse raises here, before the first chunk: 400
    filename = f"export{chosen.suffix}"
    return StreamingResponse(chunks, media_type=chosen.media_type,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/captures/{capture_id}", summary="One capture and its article")
def api_capture(request: Request, capture_id: CaptureId) -> dict[str, Any]:
    """A capture as ``archiver show --json`` prints it, with the article's text and the replay URL."""
    store = catalogue(request)
    capture = store.get_capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"no capture {capture_id}")
    record = records.capture_record(capture, capture.article, with_text=True)
    record["replay_url"] = str(request.url_for("replay", capture_id=capture_id).path)
    renderings = store.renderings_of(capture_id)
    record["renderings"] = [rendering_record(r) for r in renderings]
    shot = latest(renderings, FULL_PAGE)
    record["screenshot_url"] = (str(request.url_for("api_screenshot", capture_id=capture_id).path)
                                if shot is not None else None)
    return record


@router.get("/captures/{capture_id}/screenshot", summary="The full-page screenshot of a capture (PNG)",
            response_class=Response, responses={200: {"content": {"image/png": {}}},
                                                404: {"description": "no such capture, or no screenshot"}})
def api_screenshot(request: Request, capture_id: CaptureId) -> Response:
    """The capture's screenshot as archived (``archiver get ID --screenshot``): the browser lane's, else replay's.

    Served as ``image/png`` with ``nosniff`` (:class:`~archiver.web.security.SecurityHeaders` adds it to every answer).
    """
    archive = archive_of(request)
    shot = latest(archive.catalogue.renderings_of(capture_id, FULL_PAGE), FULL_PAGE)
    if shot is None:
        raise HTTPException(404, f"capture {capture_id} has no screenshot")
    payload = archive.read_rendering(shot).payload
    return Response(payload, media_type="image/png",
                    headers={"Cache-Control": "private, max-age=86400",
                             "Content-Disposition": f'inline; filename="capture-{capture_id}.png"'})


@router.get("/history", summary="Every capture of a page")
def api_history(request: Request, url: Annotated[str, Query(description="The page's URL.")]) -> dict[str, Any]:
    """Every capture of a page, oldest first, and what changed each time (``archiver history --json``)."""
    store = catalogue(request)
    entries = history(page_captures(store, url))
    return {"url": url, "captures": [records.entry_record(entry) for entry in entries]}


@router.get("/diff", summary="What changed between two captures of a page")
def api_diff(
    request: Request,
    url: Annotated[str, Query(description="The page's URL.")],
    from_id: Annotated[int | None, id_query("from", "Older capture id.")] = None,
    to_id: Annotated[int | None, id_query("to", "Newer capture id.")] = None,
) -> dict[str, Any]:
    """Sentence-level changes of text and metadata (``archiver diff --json``); by default the last change."""
    store = catalogue(request)
    captures = page_captures(store, url)
    pair = pick_pair(captures, from_id=from_id, to_id=to_id)
    if pair is None:
        versions = sum(1 for c in captures if c.article is not None)
        message = (f"nothing to compare: {versions} capture(s) of this page have an article" if versions < 2
                   else f"no change: the {versions} captures of this page with an article have the same content")
        return {"url": url, "from": None, "to": None, "fields": [], "changes": [], "message": message}
    return records.diff_record(*pair)


@router.get("/runs", summary="Crawl runs, newest first")
def api_runs(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
             kind: Annotated[str | None, Query(description="archive, crawl or schedule.")] = None) -> dict[str, Any]:
    """Crawl runs with how they ended and their counts (``archiver runs --json``)."""
    store = catalogue(request)
    return {"runs": [records.run_record(run) for run in store.runs(limit=limit, kind=kind)]}


@router.get("/schedules", summary="Crawl schedules")
def api_schedules(request: Request) -> dict[str, Any]:
    """Schedules with their next run, last run and failure flag (``archiver schedule list --json``)."""
    store = catalogue(request)
    return {"schedules": records.schedule_records(store, flag_after=request.app.state.failure_flag)}


@router.post("/archive", summary="Archive URLs now (needs the API token)",
             responses={400: {"description": "a bad URL, or a target on a non-public address"},
                        401: {"description": "no or wrong token"}, 503: {"description": "no token configured"}})
async def api_archive(request: Request, body: ArchiveRequest,
                      authorization: Annotated[str | None, Header()] = None) -> JSONResponse:
    """Fetch, WARC, extract and catalogue the URLs; returns one capture per URL (``archiver archive --json``).

    Needs ``Authorization: Bearer TOKEN`` (``ARCHIVER_API_TOKEN``). Targets on loopback, private,
    link-local, multicast, reserved and metadata addresses are refused (400), before the crawl
    and at every redirect hop, unless ``ARCHIVER_ALLOW_PRIVATE_TARGETS`` allows them.
    """
    check_bearer(request.app.state.config.api_token, authorization)
    try:
        result = await request.app.state.jobs.archive(body.urls, browser=body.browser.value,
                                                      screenshot=body.screenshot)
    except ArchiveJobError as exc:
        return JSONResponse({"detail": str(exc), "captures": exc.captures}, status_code=exc.status)
    return JSONResponse({"captures": result.captures})
