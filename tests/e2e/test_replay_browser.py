"""Replay of an archived page with its requisites, in real headless Chromium (Debian's).

An article on a page server, with images, stylesheets and a web font on that server and on a
"CDN" server (:mod:`support.replay_site`), is archived with ``archiver archive URL`` of the page
alone: its requisites are found and fetched at capture time. A screenshot of the live page is
taken with scripts disabled; then both fixture servers are stopped and the archive is served by
``archiver serve``. The replayed page must show every image, apply the archived CSS and font,
fetch nothing from any origin but the app's, never run a script, and look like the live page
(fewer than 1% of pixels differ, compared with Pillow on the page's own frame, without the
app's banner).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from support.cdp import CHROMIUM, Browser
from support.cli import run_archiver
from support.replay_site import FONT, FONT_FAMILY, HEADLINE_COLOR, ReplaySite, running_replay_site
from support.web import archive_urls, served_app

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                                                      "(bash .ci/services installs it)"),
    pytest.mark.skipif(not FONT.exists(), reason=f"the fixture's web font {FONT} is missing (apt fonts-dejavu-core)"),
]

WIDTH, HEIGHT = 1280, 900


@dataclass
class Replay:
    app: str
    article_id: int
    site: ReplaySite
    live_shot: Path


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    opened = Browser(tmp_path_factory.mktemp("chromium-profile"))
    try:
        opened.viewport(WIDTH, HEIGHT)
        opened.send("Network.enable")
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory, browser: Browser):
    """The archive served by ``archiver serve``, the fixture servers stopped; the live page's screenshot."""
    home = tmp_path_factory.mktemp("replay") / "archive"
    shots = tmp_path_factory.mktemp("shots")
    with running_replay_site() as site:
        archived = archive_urls(home, site.article_url)
        assert [r["status"] for r in archived] == [200], archived
        shown = run_archiver(home, "show", "--json", str(archived[0]["id"]), timeout=60)
        requisites = json.loads(shown.stdout)["requisites"]
        assert not requisites["missing"], requisites["missing"]
        found = {item["url"] for item in requisites["items"]}
        assert set(site.asset_urls) <= found, sorted(set(site.asset_urls) - found)
        browser.send("Emulation.setScriptExecutionDisabled", {"value": True})
        browser.navigate(site.article_url)
        settle(browser)
        assert browser.evaluate(f"document.fonts.check('18px {FONT_FAMILY}')")
        live_shot = browser.screenshot(shots / "live.png")
        browser.send("Emulation.setScriptExecutionDisabled", {"value": False})
    with pytest.raises(urllib.error.URLError):  # the live site is gone: replay can only use the archive
        urllib.request.urlopen(site.article_url, timeout=5)
    with served_app(home) as app:
        yield Replay(app=app, article_id=archived[0]["id"], site=site, live_shot=live_shot)


def settle(browser: Browser) -> None:
    """Wait until the page's fonts are ready (the load event has fired already)."""
    browser.evaluate("document.fonts.ready.then(() => true)", await_promise=True)


def open_frame_page(browser: Browser, replay: Replay) -> str:
    """Open ``/replay/ID``: the frame page; return the archive URL of the page inside its frame."""
    browser.navigate(f"{replay.app}replay/{replay.article_id}")
    path = browser.evaluate("location.pathname")
    assert path.startswith("/replay/") and path.endswith("/" + replay.site.article_url)
    banner = browser.evaluate("document.querySelector('.replay-banner').textContent")
    assert replay.site.article_url in banner and "Captured 20" in banner
    frame = browser.evaluate("document.querySelector('iframe.replay-frame').src")
    assert browser.evaluate("document.querySelector('iframe.replay-frame').getAttribute('sandbox')") == ""
    assert frame.startswith(f"{replay.app}replay/") and f"mp_/{replay.site.article_url}" in frame
    return frame


def test_the_replayed_page_has_its_images_styles_and_font_and_nothing_live(replay: Replay, browser: Browser) -> None:
    browser.requests.clear()
    frame = open_frame_page(browser, replay)
    settle(browser)
    browser.navigate(frame)
    settle(browser)
    images = browser.evaluate("[...document.images].map(i => [i.className, i.naturalWidth, i.currentSrc])")
    assert [name for name, _, _ in images] == ["logo", "photo", "picture", "moved", "lazy"]
    assert all(width > 0 for _, width, _ in images), images
    assert all(src.startswith(replay.app + "replay/") for _, _, src in images), images
    lazy = next(src for name, _, src in images if name == "lazy")
    assert lazy.endswith(replay.site.cdn.url + "img/lazy.png")  # data-src made loadable
    moved = next(src for name, _, src in images if name == "moved")  # the archived 301 followed in the archive
    assert moved.endswith(replay.site.cdn.url + "img/moved.png") and browser.statuses[moved] == 200
    # Rules only the archived CSS sets: the headline's colour (site.css) and the font (type.css, @import-ed).
    assert browser.evaluate("getComputedStyle(document.querySelector('.headline')).color") == HEADLINE_COLOR
    fonts = browser.evaluate("[...document.fonts].map(f => [f.family.replace(/\"/g, ''), f.status])")
    assert [FONT_FAMILY, "loaded"] in fonts
    backgrounds = ["img/hero.png", "img/note.png", "img/inline.png", "fonts/face.ttf", "css/type.css"]
    for asset in backgrounds:
        hits = [u for u in browser.requests if u.endswith(asset)]
        assert hits and all(browser.statuses.get(u) == 200 for u in hits), (asset, hits)
    # The page's scripts never ran, and nothing was requested from anywhere but the app.
    assert browser.evaluate("document.title") == "Demonstrators gather outside a base"
    assert not [u for u in browser.requests if u.endswith("js/app.js")]
    foreign = [u for u in browser.requests if not u.startswith(replay.app) and not u.startswith("data:")]
    assert foreign == []
    assert not any(origin in u.split("/replay/", 1)[0] for u in browser.requests for origin in replay.site.origins)


def test_a_screenshot_of_the_replay_looks_like_the_live_page(replay: Replay, browser: Browser,
                                                            tmp_path: Path) -> None:
    frame = open_frame_page(browser, replay)
    browser.navigate(frame)  # the page's own frame, without the app's banner
    settle(browser)
    replay_shot = browser.screenshot(tmp_path / "replay.png")
    live, replayed = Image.open(replay.live_shot).convert("RGB"), Image.open(replay_shot).convert("RGB")
    assert live.size == replayed.size == (WIDTH, HEIGHT)
    diff = ImageChops.difference(live, replayed).convert("L").point(lambda v: 255 if v else 0)
    differing = diff.histogram()[255]
    share = differing / (WIDTH * HEIGHT)
    print(f"screenshots: live {replay.live_shot}, replay {replay_shot}; {differing} pixels differ ({share:.3%})")
    assert share < 0.01


def test_a_requisite_that_was_not_archived_is_a_gap_not_a_live_fetch(replay: Replay) -> None:
    request = urllib.request.Request(f"{replay.app}replay/{replay.article_id}", headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=10) as response:
        frame_page = response.url
    stamp = frame_page.split("/replay/", 1)[1].split("/", 1)[0]
    missing = f"{replay.app}replay/{stamp}mp_/{replay.site.cdn.url}img/never-archived.png"
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(missing, timeout=10)
    assert failed.value.code == 404 and "location" not in failed.value.headers
    assert "not archived" in json.loads(failed.value.read())["detail"]
    policy = failed.value.headers["content-security-policy"]
    assert "sandbox" in policy and "allow-scripts" not in policy


def test_the_policy_blocks_a_live_load_that_rewriting_missed(replay: Replay, browser: Browser) -> None:
    """Second line of defence: a reference to the live web in the replayed page (here added by
    DevTools, as a missed rewrite would leave it) is refused by the CSP; the live server sees nothing."""
    from support.replay_site import png
    from support.web import SideServer

    frame = open_frame_page(browser, replay)
    browser.navigate(frame)
    live = {"/live.png": (200, {"Content-Type": "image/png"}, png(10, 10, (0, 0, 0))),
            "/live.css": (200, {"Content-Type": "text/css"}, b"h1 { color: rgb(1, 2, 3) }")}
    with SideServer(live) as server:
        # Event handlers never run in the script-less sandbox: add the loads, wait, then look.
        browser.evaluate(f"""
            const img = new Image(); img.id = 'probe'; img.src = {json.dumps(server.url + 'live.png')};
            document.body.append(img);
            const css = document.createElement('link'); css.rel = 'stylesheet';
            css.href = {json.dumps(server.url + 'live.css')}; document.head.append(css);
            document.body.style.backgroundImage = 'url({server.url}live.png)';""")
        time.sleep(1.5)
        assert browser.evaluate("document.getElementById('probe').naturalWidth") == 0
        assert browser.evaluate("getComputedStyle(document.querySelector('h1')).color") == HEADLINE_COLOR
        assert server.requests == []
