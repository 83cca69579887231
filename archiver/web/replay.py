"""``GET /replay/{capture_id}``: an archived payload as it was received, content-decoded, sandboxed.

The body is read from the capture's WARC record by one seek (a revisit's from the record it
points at) and served with the archived ``Content-Type``. Nothing else of the archived
response is passed on: no ``Set-Cookie``, no ``Location`` (a redirect is shown, not
followed), no caching or security headers of the archived site. The archived status and URL
travel in ``X-Archived-Status`` / ``X-Archived-Url``. :class:`archiver.web.security.SecurityHeaders`
adds ``Content-Security-Policy: sandbox`` and ``X-Content-Type-Options: nosniff``.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from archiver.web.deps import archive_of, catalogue
from storage.errors import StorageError
from storage.warc.reader import decode_payload

__all__ = ["router"]

router = APIRouter()


@router.get("/replay/{capture_id}", name="replay", summary="The archived payload (sandboxed)", tags=["replay"])
def replay(request: Request, capture_id: int) -> Response:
    """The capture's payload bytes, decoded, under a sandboxing Content-Security-Policy."""
    archive = archive_of(request)
    store = catalogue(request)
    capture = store.get_capture(capture_id)
    if capture is None:
        raise HTTPException(404, f"no capture {capture_id}")
    source = capture
    if capture.record_type == "revisit" and capture.revisit_of_id:
        source = store.get_capture(capture.revisit_of_id)
        if source is None:
            raise HTTPException(404, f"capture {capture_id} is a revisit of a capture that is gone")
    if source.warc_file is None:
        raise HTTPException(404, f"capture {capture_id} has no archived payload ({capture.error or 'not archived'})")
    try:
        record = archive.read(source)
        body = decode_payload(record)
    except StorageError as exc:
        raise HTTPException(500, f"cannot read capture {capture_id}: {exc}") from None
    content_type = record.http_header("Content-Type") or "application/octet-stream"
    headers = {
        "X-Archived-Status": str(capture.status or ""),
        "X-Archived-Url": capture.url,
        "Cache-Control": "private, max-age=0",
    }
    return Response(body, media_type=None, headers={**headers, "Content-Type": content_type})
