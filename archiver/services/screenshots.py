"""Screenshots of archived pages as replayed from the archive alone (no live traffic).

After ``archive`` has archived its pages, :func:`take_screenshots` opens each archived HTML page
in one headless Chromium (:mod:`archiver.crawler.browser.chromium`) at its original URL, answers
*every* request the browser makes from the archive (``page.route``: the capture of that URL
nearest to the page's capture time, found as replay finds it, :func:`~archiver.services.replay.
find_capture`; what was never archived is a 404) and keeps a full-page PNG as a ``fullPage``
rendering with source ``replay`` (:func:`storage.renderings.record_rendering`).

The browser reaches no network: the routes answer everything, service workers are blocked, and
Chromium is started with a proxy that goes nowhere, so a request that escaped the routes (a
WebSocket) fails instead of going out. A page that already has a ``browser`` screenshot (the
browser lane made it from the live page) is skipped. Each page has a time limit; Chromium is
stopped when the batch ends, however it ends. No Chromium: :class:`BrowserUnavailable`, which the
command turns into one warning line.

Playwright runs in a thread of its own with its own event loop, so the caller may be in any
thread, with or without a running loop (the Scrapy reactor, the web app).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from archiver.core.errors import NotFoundError
from archiver.crawler.browser.chromium import BrowserUnavailable, ChromiumProcess, find_chromium
from archiver.services.replay import replay_resource
from storage import Archive
from storage.catalogue import Capture, Rendering
from storage.renderings import record_rendering
from storage.requisites import PageRef

if TYPE_CHECKING:
    from playwright.async_api import Browser, Route

__all__ = ["HTML_TYPES", "BrowserUnavailable", "ScreenshotBatch", "needs_screenshot", "take_screenshots"]

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Chromium flags of the replay browser: a proxy that answers nothing, loopback included, so no
#: request that escaped the routes can reach a network; no scrollbar, so the picture is the page's width.
CHROMIUM_ARGS = ("--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--hide-scrollbars")
VIEWPORT = {"width": 1280, "height": 800}
_GAP = {"status": 404, "content_type": "text/plain", "body": b"not archived"}


@dataclass
class ScreenshotBatch:
    """What one batch did: the renderings kept (by capture id), the captures that needed none, the
    pages that failed (id -> why), and ``error`` when the browser itself could not be driven."""

    kept: dict[int, Rendering] = field(default_factory=dict)
    skipped: list[Capture] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    error: str | None = None


def needs_screenshot(archive: Archive, capture: Capture) -> bool:
    """True for an archived HTML page without a screenshot made by the browser lane."""
    if capture.record_id is None or capture.warc_file is None or capture.status is None or capture.is_redirect:
        return False
    media_type = (capture.content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in HTML_TYPES:
        return False
    return not any(r.source == "browser" for r in archive.catalogue.renderings_of(capture.id, "fullPage"))


def take_screenshots(archive: Archive, captures: Sequence[Capture], *, executable: str | None = None,
                     page_timeout: float = 30.0) -> ScreenshotBatch:
    """Screenshot each of ``captures`` that :func:`needs_screenshot`, replayed from ``archive``.

    One Chromium for the batch, ``page_timeout`` seconds per page. Raises
    :class:`BrowserUnavailable` when there is no Chromium (nothing is written then); when it
    cannot be driven, ``error`` of the batch says why (the screenshots kept until then stay).
    """
    batch = ScreenshotBatch()
    todo = []
    for capture in captures:
        (todo if needs_screenshot(archive, capture) else batch.skipped).append(capture)
    if not todo:
        return batch
    found = find_chromium(executable)
    if found is None:
        raise BrowserUnavailable()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_batch(archive, todo, found, page_timeout, batch))
        except BrowserUnavailable as error:
            outcome.append(error)
        except Exception as error:  # noqa: BLE001 - Playwright's own errors: the batch says what happened
            batch.error = f"the screenshot browser failed: {error}"

    # Chromium dies with the thread that started it (PR_SET_PDEATHSIG): it is started and
    # stopped in this one thread, which the caller waits for (a daemon: an interrupted command
    # does not wait for it, and Chromium is killed at exit).
    worker = threading.Thread(target=run, name="archiver-screenshots", daemon=True)
    worker.start()
    worker.join()
    if outcome:
        raise outcome[0]
    return batch


async def _batch(archive: Archive, captures: Sequence[Capture], executable: str, page_timeout: float,
                 batch: ScreenshotBatch) -> None:
    from playwright.async_api import async_playwright

    chromium = ChromiumProcess(executable, extra_args=CHROMIUM_ARGS)
    try:
        endpoint = chromium.start()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(endpoint)
            for capture in captures:
                try:
                    png = await asyncio.wait_for(_shoot(browser, archive, capture), page_timeout)
                except TimeoutError:
                    batch.failed[capture.id] = f"no screenshot in {page_timeout:g} s"
                    continue
                except Exception as error:  # noqa: BLE001 - one page's failure does not stop the batch
                    batch.failed[capture.id] = f"screenshot failed: {error}"
                    continue
                page = PageRef(capture.id, capture.url, capture.record_id or "")
                batch.kept[capture.id] = record_rendering(archive.writer, archive.db, page, "fullPage", png,
                                                          source="replay")
            await browser.close()
    finally:
        chromium.stop()


#: Seconds with no request in flight after which a replayed page counts as settled. Every request
#: is answered here from the archive, in milliseconds: Playwright's ``networkidle`` (0.5 s of quiet,
#: meant for a live network) waited longer than a replay needs. A request a script makes later
#: than this after the last answer is not waited for.
QUIET = 0.2
#: The longest wait for that quiet after the page's ``load`` event, in seconds.
SETTLE_LIMIT = 5.0


class _Traffic:
    """The page's requests through the routes: how many are being answered, and when the last answer ended."""

    def __init__(self) -> None:
        self.pending = 0
        self.last = time.monotonic()

    @contextmanager
    def request(self) -> Iterator[None]:
        """Counts one request as in flight while the block answers it."""
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1
            self.last = time.monotonic()

    async def settled(self, quiet: float, limit: float) -> bool:
        """Wait until no request has been in flight for ``quiet`` seconds; False if ``limit`` seconds pass first."""
        deadline = time.monotonic() + limit
        while True:
            now = time.monotonic()
            remaining = self.last + quiet - now
            if self.pending == 0 and remaining <= 0:
                return True
            if now >= deadline:
                return False
            await asyncio.sleep(min(max(remaining, 0.02), deadline - now))


async def _shoot(browser: Browser, archive: Archive, capture: Capture) -> bytes:
    """The full-page PNG of ``capture`` with every request answered from the archive."""
    context = await browser.new_context(viewport=VIEWPORT, service_workers="block", java_script_enabled=True)
    try:
        when = capture.fetched_at

        traffic = _Traffic()

        async def answer(route: Route) -> None:
            request = route.request  # the archive holds GETs: anything else (a POST, a beacon) is a gap
            with traffic.request():
                await route.fulfill(**(_from_archive(archive, request.url, when)
                                       if request.method in ("GET", "HEAD") else _GAP))

        await context.route("**/*", answer)
        page = await context.new_page()
        await page.goto(capture.url, wait_until="load")
        if not await traffic.settled(QUIET, SETTLE_LIMIT):  # a page that never goes quiet is shot as it is
            log.debug("%s: requests still coming after %g s", capture.url, SETTLE_LIMIT)
        return await page.screenshot(full_page=True, type="png")
    finally:
        await context.close()


def _from_archive(archive: Archive, url: str, when: datetime) -> dict[str, Any]:
    """How to answer the browser's request for ``url``: the archived resource, or a 404."""
    try:
        found = replay_resource(archive, url, when, rewrite=False)
    except NotFoundError:
        return _GAP
    except Exception as error:  # noqa: BLE001 - an unreadable record is a gap, never a hung request
        log.warning("%s: cannot be replayed for the screenshot: %s", url, error)
        return _GAP
    status = found.status if found.status and not 300 <= found.status < 400 else 200
    return {"status": status, "content_type": found.content_type, "body": found.body}
