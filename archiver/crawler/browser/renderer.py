"""One browser per process, started on first need, that renders pages and is replaced when it fails.

:class:`Renderer` owns a :class:`~archiver.crawler.browser.chromium.ChromiumProcess` and the
Playwright connection to it (``connect_over_cdp``). :meth:`Renderer.render` opens a fresh browser
context per page (no cookies or storage shared between pages; service workers blocked; every
request answered by a :class:`~archiver.crawler.browser.routing.ScrapyRouter`), runs the
behaviour (:mod:`archiver.crawler.browser.behaviour`) and returns the DOM after scripts and a
full-page PNG. At most ``pages`` pages render at once.

A page that takes longer than its time limit, or whose browser died under it (a crash, the
system's OOM killer, SIGKILL), raises :class:`RenderError`. When the browser is gone or does not
answer a DevTools call within a few seconds any more, it is stopped (its whole process group) and
the next page starts a new one. Playwright's asynchronous API runs on the reactor's asyncio loop
(Scrapy's asyncio reactor, its default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from archiver.core.errors import CaptureError
from archiver.crawler.browser.behaviour import BehaviourReport, run_behaviour
from archiver.crawler.browser.chromium import BrowserUnavailable, ChromiumProcess, find_chromium
from archiver.crawler.browser.routing import BLOCKED_SCRIPT, ScrapyRouter

__all__ = ["Rendered", "RenderError", "Renderer"]

log = logging.getLogger(__name__)

VIEWPORT = {"width": 1280, "height": 900}
_HEALTH_TIMEOUT = 5.0
#: Share of a page's time limit the behaviour may use; the rest is for loading, the DOM and the screenshot.
_BEHAVIOUR_SHARE = 0.5


class RenderError(CaptureError):
    """A page could not be rendered: the browser failed, hung or took too long."""


@dataclass(frozen=True)
class Rendered:
    """What the browser made of a page."""

    url: str  # the page's URL after scripts (history.pushState included)
    dom: str
    screenshot: bytes
    behaviour: BehaviourReport


class Renderer:
    """A lazily started Chromium driven by Playwright; ``pages`` pages at once (see the module docstring)."""

    def __init__(self, *, executable: str | None = None, pages: int = 2, memory_mb: int | None = None,
                 user_agent: str | None = None) -> None:
        self.executable = executable
        self.memory_mb = memory_mb or None
        self.user_agent = user_agent
        self.started = 0  # browsers started (more than one: some were replaced)
        self._slots = asyncio.Semaphore(max(pages, 1))
        self._start_lock = asyncio.Lock()
        self._chromium: ChromiumProcess | None = None
        self._playwright: Any = None
        self._browser: Any = None

    @property
    def pid(self) -> int | None:
        """The running browser's process id, if one runs."""
        return self._chromium.pid if self._chromium is not None else None

    async def render(self, router: ScrapyRouter, url: str, *, timeout: float) -> Rendered:
        """Render ``url`` with its requests answered by ``router``; :class:`RenderError` past ``timeout`` seconds."""
        async with self._slots:
            browser = await self._ensure_browser()
            try:
                return await asyncio.wait_for(self._render(browser, router, url, timeout), timeout)
            except TimeoutError:
                await self._check_health()
                raise RenderError(f"the browser took more than {timeout:g} s (ARCHIVER_BROWSER_PAGE_TIMEOUT)") \
                    from None
            except RenderError:
                raise
            except Exception as error:
                if await self._check_health():
                    raise RenderError(f"the page failed in the browser: {_one_line(error)}") from error
                raise RenderError(f"the browser died while rendering: {_one_line(error)}") from error

    async def _render(self, browser: Any, router: ScrapyRouter, url: str, timeout: float) -> Rendered:
        context = await browser.new_context(service_workers="block", viewport=VIEWPORT, user_agent=self.user_agent,
                                            accept_downloads=False)
        try:
            await context.add_init_script(BLOCKED_SCRIPT)
            await context.route("**/*", router.handle)
            page = await context.new_page()
            page.set_default_timeout(timeout * 1000)
            started = time.monotonic()
            await page.goto(url, wait_until="load")
            loaded = time.monotonic()
            behaviour = await run_behaviour(page, seconds=timeout * _BEHAVIOUR_SHARE)
            behaved = time.monotonic()
            dom = await page.content()
            screenshot = await page.screenshot(full_page=True, type="png", animations="disabled")
            log.debug("rendered %s: loaded in %.2f s, behaviour %.2f s (%s), DOM and screenshot %.2f s", url,
                      loaded - started, behaved - loaded, behaviour, time.monotonic() - behaved)
            return Rendered(url=page.url, dom=dom, screenshot=screenshot, behaviour=behaviour)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), _HEALTH_TIMEOUT)

    async def _ensure_browser(self) -> Any:
        async with self._start_lock:
            if self._browser is not None and self._browser.is_connected() and self._chromium is not None \
                    and self._chromium.alive():
                return self._browser
            await self._stop_browser()
            executable = find_chromium(self.executable)
            if executable is None:
                raise BrowserUnavailable()
            if self._playwright is None:
                from playwright.async_api import async_playwright

                self._playwright = await async_playwright().start()
            chromium = ChromiumProcess(executable, memory_mb=self.memory_mb)
            started = time.monotonic()
            endpoint = chromium.start()  # from the reactor's thread, which outlives it (PR_SET_PDEATHSIG)
            self._chromium = chromium
            try:
                self._browser = await self._playwright.chromium.connect_over_cdp(endpoint, timeout=30_000)
            except Exception as error:
                await self._stop_browser()
                raise BrowserUnavailable(f"could not connect to Chromium at {endpoint}: {_one_line(error)}") \
                    from error
            self.started += 1
            log.debug("Chromium (pid %s) started and connected in %.2f s", chromium.pid, time.monotonic() - started)
            if self.started > 1:
                log.warning("browser replaced (pid %s): %d started in this process", chromium.pid, self.started)
            return self._browser

    async def _check_health(self) -> bool:
        """True when the browser still answers; else it is stopped, and the next page starts a new one."""
        browser, chromium = self._browser, self._chromium
        healthy = False
        if browser is not None and browser.is_connected() and chromium is not None and chromium.alive():
            try:
                cdp = await asyncio.wait_for(browser.new_browser_cdp_session(), _HEALTH_TIMEOUT)
                await asyncio.wait_for(cdp.send("Browser.getVersion"), _HEALTH_TIMEOUT)
                await asyncio.wait_for(cdp.detach(), _HEALTH_TIMEOUT)
                healthy = True
            except Exception:
                healthy = False
        if not healthy:
            log.warning("the browser (pid %s) is gone or does not answer: it is replaced", self.pid)
            async with self._start_lock:
                if self._browser is browser:
                    await self._stop_browser()
        return healthy

    async def _stop_browser(self) -> None:
        browser, self._browser = self._browser, None
        chromium, self._chromium = self._chromium, None
        if chromium is not None:
            chromium.stop()  # first: closing the connection of a hung browser could wait
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), _HEALTH_TIMEOUT)

    async def close(self) -> None:
        """Stop the browser and Playwright's driver."""
        await self._stop_browser()
        playwright, self._playwright = self._playwright, None
        if playwright is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(playwright.stop(), _HEALTH_TIMEOUT)


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300]
