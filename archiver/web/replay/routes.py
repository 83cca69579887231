"""The replay routes: archive URLs (``/replay/TIMESTAMP[MODIFIER]/URL``) and ``/replay/{capture_id}``.

- ``/replay/{capture_id}``: a redirect (303) to the frame page of that capture.
- ``/replay/TIMESTAMP/URL``: the frame page: the capture's URL and time (and the redirects that led
  to it), links to its article page and raw payload, and the archived page below in an
  ``<iframe sandbox>`` at its ``mp_`` archive URL.
- ``/replay/TIMESTAMPmp_/URL``: the archived resource nearest to TIMESTAMP with its HTML or CSS
  references rewritten to archive URLs at the same TIMESTAMP (:mod:`archiver.services.replay`).
- ``/replay/TIMESTAMPid_/URL``: the archived payload as received (content-decoded), not rewritten.

Archived resources keep nothing of the archived response but their type: no ``Set-Cookie``, no
``Location``, no caching or security headers of the archived site. The archived status and URL
travel in ``X-Archived-Status`` / ``X-Archived-Url``; an archived 4xx/5xx keeps its status. A URL
that was not archived is a 404 (a gap), never a live fetch or a redirect to the live web.
:class:`archiver.web.security.SecurityHeaders` adds the policies of :mod:`archiver.web.replay.policy`.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from archiver.services.replay import (
    FRAME,
    IDENTITY,
    PREFIX,
    REWRITTEN,
    archive_url,
    find_capture,
    parse_spec,
    replay_resource,
)
from archiver.web.deps import archive_of, catalogue, templates
from archiver.web.params import CaptureId

__all__ = ["router"]

router = APIRouter()

_FONT_TYPES = {"application/font-woff", "application/font-woff2", "application/x-font-ttf",
               "application/x-font-opentype", "application/vnd.ms-fontobject", "application/font-sfnt"}


@router.get("/replay/{capture_id:int}", name="replay", summary="Replay of one capture (redirects to its archive URL)",
            tags=["replay"])
def replay(request: Request, capture_id: CaptureId) -> Response:
    """A redirect to the frame page of the capture: ``/replay/TIMESTAMP/URL``."""
    capture = catalogue(request).get_capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"no capture {capture_id}")
    if capture.warc_file is None:
        raise HTTPException(404, f"capture {capture_id} has no archived payload ({capture.error or 'not archived'})")
    return RedirectResponse(archive_url(capture.url, capture.fetched_at, FRAME), status_code=303)


@router.get("/replay/{spec}/{target:path}", name="archive_url", summary="An archived URL at a time",
            tags=["replay"])
def archived(request: Request, spec: str, target: str) -> Response:
    """The frame page, the rewritten resource or the raw payload of the URL at the timestamp (see module doc)."""
    parsed = parse_spec(spec)
    if parsed is None:
        raise HTTPException(404, f"not an archive URL: {spec!r} is not TIMESTAMP (YYYYMMDDhhmmss) with mp_ or id_")
    url = _target_url(request, spec)
    archive = archive_of(request)
    if parsed.modifier == FRAME:
        found = find_capture(archive, url, parsed.when)
        capture = found.capture
        return templates.TemplateResponse(request, "replay.html", {
            "capture": capture,
            "redirects": found.redirects,
            "frame_url": archive_url(capture.url, capture.fetched_at, REWRITTEN),
            "raw_url": archive_url(capture.url, capture.fetched_at, IDENTITY),
        })
    replayed = replay_resource(archive, url, parsed.when, rewrite=parsed.modifier == REWRITTEN)
    status = replayed.status if replayed.status is not None and 400 <= replayed.status < 600 else 200
    headers = {
        "Content-Type": replayed.content_type,
        "X-Archived-Status": str(replayed.status or ""),
        "X-Archived-Url": replayed.url,
        "Cache-Control": "private, max-age=0",
    }
    if _font_request(request, replayed.content_type):
        headers["Access-Control-Allow-Origin"] = "*"
    return Response(replayed.body, status_code=status, media_type=None, headers=headers)


def _font_request(request: Request, content_type: str) -> bool:
    """Whether this is a web font for a replayed page: fonts are fetched with CORS, and the sandboxed
    page's origin is opaque (``null``), so the font needs ``Access-Control-Allow-Origin``."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return request.headers.get("sec-fetch-dest") == "font" or media_type.startswith("font/") \
        or media_type in _FONT_TYPES


def _target_url(request: Request, spec: str) -> str:
    """The archived URL exactly as written after ``/replay/SPEC/`` (percent-escapes and query kept)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    path = raw.decode("latin-1")
    url = path[path.index(PREFIX + spec + "/") + len(PREFIX + spec + "/"):]
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{url}?{query}" if query else url
