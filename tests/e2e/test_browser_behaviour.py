"""The browser lane's behaviour on pages set in a real Chromium: which consent button it presses, and the scroll."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from archiver.crawler.browser.behaviour import dismiss_consent, scroll_to_end
from archiver.crawler.browser.chromium import ChromiumProcess

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")

_RECORD = "<script>window.clicked = []; function hit(name) { window.clicked.push(name); }</script>"
PAGES = {
    # A platform's own buttons (OneTrust's ids), accept first in the markup: reject is pressed.
    "platform": ('<div id="onetrust-banner-sdk"><button id="onetrust-accept-btn-handler" onclick="hit(\'accept\')">'
                 'Accept</button><button id="onetrust-reject-all-handler" onclick="hit(\'reject\')">Reject All'
                 '</button></div>', "reject", ["reject"]),
    # A generic dialog in German, found by its texts.
    "texts": ('<div class="cookie-banner" role="dialog"><button onclick="hit(\'accept\')">Alle akzeptieren</button>'
              '<button onclick="hit(\'reject\')">Alle   ablehnen</button></div>', "reject", ["reject"]),
    # No refusal offered: accept is pressed.
    "accept-only": ('<div id="gdpr-consent"><p>We use cookies.</p><button onclick="hit(\'accept\')">Accept all'
                    '</button></div>', "accept", ["accept"]),
    # Buttons outside any consent container are never pressed, whatever they say.
    "not-consent": ('<article><p>Story</p><form><button type="button" onclick="hit(\'decline\')">Decline</button>'
                    '<button type="button" onclick="hit(\'ok\')">OK</button></form></article>', None, []),
}


async def _run(body: str) -> tuple[str | None, list[str]]:
    from playwright.async_api import async_playwright

    with ChromiumProcess(str(CHROMIUM)) as chromium:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(chromium.endpoint)
            page = await browser.new_page()
            await page.set_content(f"<html><body>{_RECORD}{body}</body></html>")
            done = await dismiss_consent(page)
            clicked = await page.evaluate("() => window.clicked")
            await browser.close()
    return done, clicked


@pytest.mark.parametrize("name", list(PAGES))
def test_consent_buttons(name: str) -> None:
    body, kind, expected = PAGES[name]
    done, clicked = asyncio.run(_run(body))
    assert clicked == expected
    assert (done or "").split(":")[0] == (kind or "")


async def _scroll() -> tuple[int, int, float]:
    from playwright.async_api import async_playwright

    with ChromiumProcess(str(CHROMIUM)) as chromium:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.connect_over_cdp(chromium.endpoint)
            page = await browser.new_page(viewport={"width": 800, "height": 600})
            await page.set_content('<html><body><div style="height:5000px"></div><p id="end">end</p>'
                                   "<script>window.seen = 0; new IntersectionObserver((e) => { if (e[0].isIntersecting)"
                                   " window.seen += 1; }).observe(document.getElementById('end'));</script>"
                                   "</body></html>")
            steps = await scroll_to_end(page, deadline=time.monotonic() + 20)
            seen = await page.evaluate("() => window.seen")
            top = await page.evaluate("() => window.scrollY")
            await browser.close()
    return steps, seen, top


def test_scroll_reaches_the_end_and_comes_back() -> None:
    steps, seen, top = asyncio.run(_scroll())
    assert 5 <= steps <= 15 and seen >= 1 and top == 0
