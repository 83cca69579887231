"""The web UI in real headless Chromium (Debian's), against ``archiver serve`` on an archive of the fixture site.

Search for the seed article, open it, read its title and first paragraph, open the diff of
the changing page; replay an archived page whose script tries to read the app's cookies and
call its API, and see that it could not. Screenshots (desktop and phone widths) are saved
under the test's tmp dir; their paths are printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cdp import CHROMIUM, Browser, JsError
from support.fixture_site import ARTICLE_PATH, parse_seed, running_site
from support.web import ATTACK_HTML, ATTACK_TITLE, SideServer, SiteArchive, archive_fixture_site, served_app

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                      "(bash .ci/services installs it)"),
]

SEED = parse_seed()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """(app URL, archive): the fixture site and an attack page archived, then served by `archiver serve`."""
    home = tmp_path_factory.mktemp("webui") / "archive"
    attack = {"/attack": (200, {"Content-Type": "text/html; charset=utf-8"}, ATTACK_HTML.encode())}
    with running_site() as site, SideServer(attack) as side:
        archived = archive_fixture_site(home, site, side.url + "attack")
        archived.extra["attack_url"] = side.url + "attack"
        with served_app(home, ARCHIVER_API_TOKEN="browser-test-token") as url:
            yield url, archived


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    opened = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield opened
    finally:
        opened.close()


def text(browser: Browser, selector: str) -> str | None:
    return browser.evaluate(f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent")


def shoot(browser: Browser, directory: Path, name: str) -> None:
    shots = (("desktop", 1280, 900, False, "light"), ("phone", 390, 844, True, "light"),
             ("phone-dark", 390, 844, True, "dark"))
    for label, width, height, mobile, scheme in shots:
        browser.viewport(width, height, mobile=mobile)
        browser.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        path = browser.screenshot(directory / f"{name}-{label}.png")
        print(f"screenshot: {path}")
    browser.viewport(1280, 900)
    browser.send("Emulation.setEmulatedMedia", {"features": []})


def test_search_open_article_and_see_the_diff(served: tuple[str, SiteArchive], browser: Browser,
                                              tmp_path: Path) -> None:
    url, archived = served
    browser.navigate(url)
    browser.act("document.querySelector('#q').value = 'Armenia Russia';"
                "document.querySelector('form.search').submit()")
    assert "q=Armenia+Russia" in browser.evaluate("location.href")
    titles = browser.evaluate("[...document.querySelectorAll('.hit h2 a')].map(a => a.textContent)")
    assert SEED.title in titles
    assert browser.evaluate("document.querySelector('.hit mark').textContent") in ("Armenia", "Russia")
    shoot(browser, tmp_path, "search")

    browser.act(f"[...document.querySelectorAll('.hit h2 a')].find(a => a.textContent === {json.dumps(SEED.title)})"
                ".click()")
    assert text(browser, "article h1") == SEED.title
    assert text(browser, ".text p") == SEED.paragraphs[0]
    assert ARTICLE_PATH in text(browser, ".facts")
    shoot(browser, tmp_path, "article")

    browser.navigate(f"{url}captures/{archived.changing[1]['id']}")
    assert text(browser, "article h1") == "Developing story - Version 2"
    browser.act("[...document.querySelectorAll('a')].find(a => a.textContent.startsWith('What changed')).click()")
    assert browser.evaluate("location.pathname") == "/diff"
    assert text(browser, ".fields del") == "Developing story - Version 1"
    assert text(browser, ".fields ins") == "Developing story - Version 2"
    changed = browser.evaluate("[...document.querySelectorAll('.diff .change')].map(p => p.innerHTML)")
    assert changed == ["In version <del>1</del><ins>2</ins> of this story, officials confirmed revision number "
                       "<del>1</del><ins>2</ins>."]
    shoot(browser, tmp_path, "diff")


def test_an_archived_script_cannot_read_cookies_or_call_the_api(served: tuple[str, SiteArchive],
                                                                 browser: Browser, tmp_path: Path) -> None:
    url, archived = served
    # Control: outside the archive the page's script runs and writes what it found into the title.
    browser.navigate(archived.extra["attack_url"])
    assert browser.evaluate("document.title").startswith("PWNED cookie=")
    # The app's own origin has cookies (the CSRF cookie, and one scripts could read) and a working API:
    # code on the app's origin reaches both (with the app pages' own no-script CSP bypassed for this control).
    browser.send("Page.setBypassCSP", {"enabled": True})
    browser.navigate(url + "archive")
    browser.send("Network.enable")
    browser.send("Network.setCookie", {"name": "probe", "value": "secret-value", "url": url})
    cookies = {c["name"]: c for c in browser.send("Network.getCookies", {"urls": [url]})["cookies"]}
    assert cookies["archiver_csrf"]["httpOnly"] and cookies["archiver_csrf"]["sameSite"] == "Strict"
    assert "probe=secret-value" in browser.evaluate("document.cookie")
    assert browser.evaluate("fetch('/api/search?q=armenia').then(r => r.status)", await_promise=True) == 200

    browser.send("Page.setBypassCSP", {"enabled": False})

    attack_id = archived.extra[archived.extra["attack_url"]]["id"]
    browser.navigate(f"{url}replay/{attack_id}")  # the frame page; the archived page is in its sandboxed frame
    frame = browser.evaluate("document.querySelector('iframe.replay-frame').src")
    assert f"mp_/{archived.extra['attack_url']}" in frame
    browser.navigate(frame)  # the archived page itself, as the frame loads it
    # The archived script never ran: title and page are as archived.
    assert browser.evaluate("document.title") == ATTACK_TITLE
    assert text(browser, "#out") == "script did not run"
    # Even code running inside the replayed document has an opaque origin: no cookies, no API.
    assert browser.evaluate("window.origin") == "null"
    with pytest.raises(JsError, match="SecurityError"):
        browser.evaluate("document.cookie")
    with pytest.raises(JsError, match="Failed to fetch"):
        browser.evaluate("fetch('/api/search?q=armenia').then(r => r.text())", await_promise=True)
    browser.screenshot(tmp_path / "replay.png")
    print(f"screenshot: {tmp_path / 'replay.png'}")
