"""The application factory: :func:`create_app` builds the FastAPI app over one archive."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from archiver import __version__
from archiver.core.errors import ArchiverError
from archiver.web import api, feeds, pages, replay
from archiver.web.config import WebConfig
from archiver.web.deps import templates
from archiver.web.jobs import JobRunner
from archiver.web.security import SecurityHeaders
from storage import Archive
from storage.errors import ReadOnlyArchive

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_DESCRIPTION = """Search and read the archive's catalogue, compare versions of a page, list crawl runs and
schedules, and archive URLs now (with the API token). Archived pages replay at `/replay/{capture_id}` and
`/replay/TIMESTAMP/URL` (pywb-style archive URLs; `mp_` rewritten, `id_` as archived)."""


def create_app(config: WebConfig | None = None) -> FastAPI:
    """The web app over the archive of ``config`` (default: from the environment, see :class:`WebConfig`).

    The catalogue is opened (and migrated) here, without recovering open WARC files: a crawl
    may be writing them. An archive that cannot be written is opened read-only.
    """
    config = config or WebConfig.from_env()
    try:
        archive = Archive(config.storage, recover=False)
    except ReadOnlyArchive:  # a researcher's copy on a read-only disk: served as it is, archive-now fails
        archive = Archive(config.storage, recover=False, read_only=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        archive.close()

    app = FastAPI(title="news-archiver", version=__version__, description=_DESCRIPTION, lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)
    app.state.config = config
    app.state.archive = archive
    app.state.jobs = JobRunner(config)
    app.state.failure_flag = config.failure_flag
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), name="static")
    app.include_router(api.router)
    app.include_router(replay.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(ArchiverError, _archiver_error)  # type: ignore[arg-type]
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


async def _http_error(request: Request, exc: HTTPException) -> Response:
    """JSON ``{"detail": ...}`` for the API and scripts, an error page for browsers."""
    if _wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return templates.TemplateResponse(request, "error.html", {"message": exc.detail}, status_code=exc.status_code,
                                      headers=exc.headers)


async def _archiver_error(request: Request, exc: ArchiverError) -> Response:
    """The one place where the archiver's errors become HTTP answers (the status is the error class's)."""
    if exc.http_status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return await _http_error(request, HTTPException(exc.http_status, str(exc)))


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    detail = "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors())
    status = 422 if request.url.path.startswith("/api/") else 400
    if _wants_json(request):
        return JSONResponse({"detail": detail}, status_code=status)
    return templates.TemplateResponse(request, "error.html", {"message": detail}, status_code=status)
