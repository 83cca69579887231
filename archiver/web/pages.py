"""The HTML pages: search, article (with its capture timeline), diff, runs, schedules, archive form, API docs.

Server-rendered from :mod:`archiver.web.deps`' templates; no JavaScript. Every read goes
through the catalogue's query modules.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from archiver.services.filters import FilterError
from archiver.services.renderings import FULL_PAGE, latest
from archiver.services.versions import VersionError, differ, history, pick_pair
from archiver.web import records
from archiver.web.deps import catalogue, page_captures, search_filters, templates
from archiver.web.diffview import diff_rows, field_changes
from archiver.web.jobs import ArchiveJobError
from archiver.web.params import ID_MAX, CaptureId, PageNumber, parse_status
from archiver.web.security import check_bearer, check_csrf, csrf_token
from storage.catalogue import Sort
from storage.errors import SearchQueryError

__all__ = ["router"]

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)

_FILTERS = ("author", "site", "lang", "since", "until", "status", "sort")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """The template ``name`` with ``context`` (and the request) as an HTML response."""
    return templates.TemplateResponse(request, name, context, status_code=status_code)


@router.get("/", name="search")
def search_page(request: Request, q: str = "", author: str = "", site: str = "", lang: str = "", since: str = "",
                until: str = "", status: str = "", sort: str = "", all_versions: bool = False,
                page: PageNumber = 1) -> Response:
    """Search form and results: snippets with matched words marked, ten filters, pages of results."""
    size = request.app.state.config.page_size
    page = max(1, page)
    form = {"q": q, "author": author, "site": site, "lang": lang, "since": since, "until": until,
            "status": status, "sort": sort, "all_versions": all_versions}
    context: dict[str, Any] = {"form": form, "hits": [], "error": None, "page": page, "next_url": None,
                               "prev_url": None, "searched": any(v for v in form.values())}
    try:
        status_code = parse_status(status)
    except ValueError as exc:
        context["error"] = str(exc)
        return render(request, "search.html", 400, **context)
    try:
        filters = search_filters(q, author=author, site=site, lang=lang, since=since, until=until,
                                 status=status_code, sort=Sort(sort) if sort in Sort.__members__ else None,
                                 all_versions=all_versions)
    except FilterError as exc:
        context["error"] = str(exc)
        return render(request, "search.html", 400, **context)
    store = catalogue(request)
    try:
        if context["searched"]:
            hits = store.search(filters, limit=size + 1, offset=(page - 1) * size)
        else:  # the home page: dated articles first, pages without a title or date after them
            hits = store.home_listing(limit=size + 1, offset=(page - 1) * size)
    except SearchQueryError as exc:
        context["error"] = str(exc)
        return render(request, "search.html", 400, **context)
    kept = {k: v for k, v in form.items() if v}
    if len(hits) > size:
        context["next_url"] = "?" + urlencode({**kept, "page": page + 1})
    if page > 1:
        context["prev_url"] = "?" + urlencode({**kept, "page": page - 1})
    context["hits"] = hits[:size]
    context["first_number"] = (page - 1) * size + 1
    context["total"] = store.count_search(filters) if context["searched"] or hits else 0
    return render(request, "search.html", **context)


@router.get("/captures/{capture_id}", name="article")
def article_page(request: Request, capture_id: CaptureId) -> Response:
    """One capture: its article's clean text and metadata, and the timeline of every capture of its page."""
    store = catalogue(request)
    capture = store.get_capture(capture_id)
    if capture is None:
        return render(request, "error.html", 404, message=f"no capture {capture_id}")
    entries = history(page_captures(store, capture.url))
    previous = None
    for entry in entries:
        if entry.capture.id == capture.id:
            break
        if entry.article is not None and capture.article is not None and differ(entry.article, capture.article):
            previous = entry.capture
    paragraphs = [p for p in (capture.article.text or "").splitlines() if p.strip()] if capture.article else []
    screenshot = latest(store.renderings_of(capture.id, FULL_PAGE), FULL_PAGE)
    return render(request, "article.html", capture=capture, article=capture.article, paragraphs=paragraphs,
                  entries=entries, previous=previous, screenshot=screenshot)


@router.get("/diff", name="diff")
def diff_page(request: Request, url: str, from_id: int | None = None, to_id: int | None = None) -> Response:
    """What changed between two captures of a page (by default the last change), sentence by sentence."""
    params = request.query_params
    from_id = from_id if from_id is not None else _int(params.get("from"))
    to_id = to_id if to_id is not None else _int(params.get("to"))
    store = catalogue(request)
    try:
        captures = page_captures(store, url)
    except HTTPException as exc:
        return render(request, "error.html", exc.status_code, message=exc.detail)
    try:
        pair = pick_pair(captures, from_id=from_id, to_id=to_id)
    except VersionError as exc:
        return render(request, "error.html", 400, message=str(exc))
    versions = [c for c in captures if c.article is not None]
    if pair is None:
        return render(request, "diff.html", url=url, old=None, new=None, versions=versions,
                      message="nothing to compare: fewer than two captures have an article"
                      if len(versions) < 2 else "no change: every capture has the same content")
    old, new = pair
    return render(request, "diff.html", url=url, old=old, new=new, versions=versions, message=None,
                  fields=field_changes(old.article, new.article),  # type: ignore[arg-type]
                  rows=diff_rows(old.article.text, new.article.text))  # type: ignore[union-attr]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) <= ID_MAX else None


@router.get("/runs", name="runs")
def runs_page(request: Request) -> Response:
    """Crawl runs, newest first, with how they ended and their counts."""
    store = catalogue(request)
    runs = [records.run_record(run) for run in store.runs(limit=100)]
    return render(request, "runs.html", runs=runs)


@router.get("/schedules", name="schedules")
def schedules_page(request: Request) -> Response:
    """Crawl schedules with their next and last runs."""
    store = catalogue(request)
    schedules = records.schedule_records(store, flag_after=request.app.state.failure_flag)
    return render(request, "schedules.html", schedules=schedules)


@router.get("/archive", name="archive_form")
def archive_form(request: Request) -> Response:
    """A form to archive URLs now (needs the API token); sets the CSRF cookie."""
    shell = Response()
    token = csrf_token(request, shell)
    return _with_token(request, shell, "archive.html", token, result=None, error=None, urls="")


def _with_token(request: Request, response: Response, name: str, token: str, status_code: int = 200,
                **context: Any) -> Response:
    """``name`` rendered with the CSRF token in its form and the cookie ``response`` set (if any)."""
    page = render(request, name, status_code, csrf=token, enabled=bool(request.app.state.config.api_token),
                  **context)
    for key, value in response.headers.items():
        if key == "set-cookie":
            page.headers.append(key, value)
    return page


@router.post("/archive")
async def archive_submit(request: Request) -> Response:
    """Archive the URLs of the form (one per line): CSRF-checked, token-checked, targets checked."""
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    check_csrf(request, form.get("csrf"))
    urls = [line.strip() for line in form.get("urls", "").splitlines() if line.strip()]
    shell = Response()
    token = csrf_token(request, shell)
    try:
        check_bearer(request.app.state.config.api_token, "Bearer " + form.get("token", ""))
        result = await request.app.state.jobs.archive(urls)
    except HTTPException as exc:
        return _with_token(request, shell, "archive.html", token, exc.status_code, result=None, error=exc.detail,
                           urls="\n".join(urls))
    except ArchiveJobError as exc:
        return _with_token(request, shell, "archive.html", token, exc.status, result=exc.captures, error=str(exc),
                           urls="\n".join(urls))
    return _with_token(request, shell, "archive.html", token, result=result.captures, error=None, urls="")


@router.get("/api/docs", name="api_docs")
def api_docs(request: Request) -> Response:
    """The API's OpenAPI description as a plain page (the schema itself is at /api/openapi.json)."""
    schema = request.app.openapi()
    operations = [(method.upper(), path, op) for path, item in schema["paths"].items()
                  for method, op in item.items()]
    return render(request, "api_docs.html", operations=operations, schema=schema, schema_url=app_openapi_url(request))


def app_openapi_url(request: Request) -> str:
    """Where the app serves its OpenAPI schema."""
    return request.app.openapi_url or "/api/openapi.json"
