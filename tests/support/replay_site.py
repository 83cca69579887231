"""The replay fixture: an article on a page server whose photos, stylesheet and web font come partly from a "CDN".

Two :class:`~support.web.SideServer` instances play the site and its CDN (two origins). The page
has a logo, a photo with ``srcset``, a ``<picture>``, a lazy image (``data-src``, a transparent
placeholder in ``src``), an inline ``style`` background, a ``<style>`` block, a favicon, an image
whose URL redirects (301) on the CDN, and a script that would recolour the headline if it ran.
``site.css`` (page server) ``@import``s ``type.css`` from the CDN, which declares a web font
(DejaVu from Debian's fonts-dejavu) by ``url()``; ``site.css`` also sets a background image
through ``url()``. Every image is a PNG drawn with Pillow. :data:`HEADLINE_COLOR` and
:data:`FONT_FAMILY` are set only by the archived CSS.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from support.web import SideServer

__all__ = ["FONT", "FONT_FAMILY", "HEADLINE_COLOR", "ReplaySite", "running_replay_site"]

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf")
FONT_FAMILY = "FixtureFace"
#: Set on ``.headline`` by site.css only (the page's script would make it red if it ran).
HEADLINE_COLOR = "rgb(12, 34, 156)"
_PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def png(width: int, height: int, color: tuple[int, int, int], stripe: tuple[int, int, int] | None = None) -> bytes:
    """A PNG of ``width`` x ``height`` in ``color`` (with a diagonal stripe, so scaling shows)."""
    image = Image.new("RGB", (width, height), color)
    if stripe:
        for x in range(width):
            for dy in range(-2, 3):
                y = x * height // width + dy
                if 0 <= y < height:
                    image.putpixel((x, y), stripe)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _page(cdn: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Demonstrators gather outside a base</title>
<link rel="stylesheet" href="/css/site.css">
<link rel="icon" href="/img/icon.png" type="image/png">
<style>.note {{ border: 4px solid rgb(200, 30, 30); padding: 6px;
  background: url("{cdn}img/note.png") repeat-x; }}</style>
<script src="{cdn}js/app.js"></script>
<script>document.addEventListener("DOMContentLoaded", function () {{
  document.querySelector(".headline").style.color = "rgb(255, 0, 0)"; }});</script>
</head><body>
<header class="masthead"><img class="logo" src="/img/logo.png" alt="Daily Fixture" width="160" height="40"></header>
<h1 class="headline">Demonstrators gather outside a Russian military base in Armenia</h1>
<div class="hero" role="img" aria-label="hero"></div>
<p class="note">Alexander Patrin/TASS. A caption in the archived web font.</p>
<img class="photo" src="{cdn}img/photo.png" srcset="{cdn}img/photo.png 1x, {cdn}img/photo-2x.png 2x"
     width="320" height="160" alt="photo">
<picture><source srcset="{cdn}img/picture.png" type="image/png">
  <img class="picture" src="{cdn}img/picture-old.png" width="200" height="100" alt="picture"></picture>
<img class="moved" src="{cdn}img/moved.png" width="30" height="30" alt="moved">
<img class="lazy" src="{_PLACEHOLDER}" data-src="{cdn}img/lazy.png" width="40" height="40" alt="lazy">
<div class="inline" style="background-image: url('{cdn}img/inline.png'); width: 90px; height: 45px"></div>
</body></html>"""


def _site_css(cdn: str) -> str:
    return f"""@import url("{cdn}css/type.css");
/* url(/img/not-a-reference.png) */
.headline {{ color: {HEADLINE_COLOR}; font-size: 30px; margin: 8px 0; }}
.hero {{ width: 400px; height: 120px; background: url(../img/hero.png) no-repeat; }}
body {{ margin: 12px; background: rgb(250, 248, 240); }}
"""


_TYPE_CSS = f"""@font-face {{ font-family: "{FONT_FAMILY}"; src: url(../fonts/face.ttf) format("truetype"); }}
body, .note {{ font-family: "{FONT_FAMILY}", monospace; font-size: 18px; }}
"""


@dataclass
class ReplaySite:
    """The running page server and CDN: the article's URL and the URL of every requisite it names."""

    site: SideServer
    cdn: SideServer

    @property
    def article_url(self) -> str:
        return self.site.url + "article"

    @property
    def asset_urls(self) -> list[str]:
        site_paths = ["css/site.css", "img/icon.png", "img/logo.png", "img/hero.png"]
        cdn_paths = ["css/type.css", "fonts/face.ttf", "img/note.png", "img/photo.png", "img/photo-2x.png",
                     "img/picture.png", "img/picture-old.png", "img/lazy.png", "img/inline.png", "img/moved.png"]
        return [self.site.url + p for p in site_paths] + [self.cdn.url + p for p in cdn_paths]

    @property
    def origins(self) -> list[str]:
        return [self.site.url.rstrip("/"), self.cdn.url.rstrip("/")]


Routes = dict[str, tuple[int, dict[str, str], bytes]]


def _routes(cdn_url: str) -> tuple[Routes, Routes]:
    def ok(content_type: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": content_type}, body

    site = {
        "/article": ok("text/html; charset=utf-8", _page(cdn_url).encode()),
        "/css/site.css": ok("text/css", _site_css(cdn_url).encode()),
        "/img/icon.png": ok("image/png", png(16, 16, (30, 90, 200))),
        "/img/logo.png": ok("image/png", png(160, 40, (20, 20, 20), (240, 200, 0))),
        "/img/hero.png": ok("image/png", png(400, 120, (40, 140, 90), (255, 255, 255))),
    }
    cdn = {
        "/css/type.css": ok("text/css; charset=utf-8", _TYPE_CSS.encode()),
        # Fonts are fetched with CORS: a CDN serving them to other origins says so, as real ones do.
        "/fonts/face.ttf": (200, {"Content-Type": "font/ttf", "Access-Control-Allow-Origin": "*"}, FONT.read_bytes()),
        "/js/app.js": ok("text/javascript", b"document.title = 'script ran';"),
        "/img/note.png": ok("image/png", png(8, 8, (255, 240, 200))),
        "/img/photo.png": ok("image/png", png(320, 160, (120, 60, 160), (250, 250, 250))),
        "/img/photo-2x.png": ok("image/png", png(640, 320, (120, 60, 160), (250, 250, 250))),
        "/img/picture.png": ok("image/png", png(200, 100, (200, 120, 40), (0, 0, 0))),
        "/img/picture-old.png": ok("image/png", png(200, 100, (90, 90, 90))),
        "/img/lazy.png": ok("image/png", png(40, 40, (0, 160, 200))),
        "/img/inline.png": ok("image/png", png(90, 45, (160, 30, 90), (255, 255, 255))),
        "/img/moved.png": (301, {"Location": f"{cdn_url}img/moved-here.png"}, b""),
        "/img/moved-here.png": ok("image/png", png(30, 30, (250, 90, 0))),
    }
    return site, cdn


@contextmanager
def running_replay_site() -> Iterator[ReplaySite]:
    """The page server and the CDN, running until the block ends."""
    with ExitStack() as stack:
        cdn = SideServer({})
        site_routes, cdn_routes = _routes(cdn.url)
        cdn.routes.update(cdn_routes)
        stack.enter_context(cdn)
        site = stack.enter_context(SideServer(site_routes))
        yield ReplaySite(site=site, cdn=cdn)
