"""The replay rewriting functions: archive URLs, srcset, CSS (tinycss2) and HTML (lxml)."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.services.replay import archive_url, parse_spec, timestamp14
from archiver.services.replay.css import rewrite_css
from archiver.services.replay.html import rewrite_html
from archiver.services.replay.references import resolver, rewrite_srcset

PAGE = "http://news.example/world/story.html"


def to_archive(url: str) -> str:
    return "/replay/20260102030405mp_/" + url


def test_archive_urls_round_trip() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert timestamp14(when) == "20260102030405"
    assert archive_url("http://a.example/x?y=1", when) == "/replay/20260102030405mp_/http://a.example/x?y=1"
    assert archive_url("http://a.example/", "20260102030405", "") == "/replay/20260102030405/http://a.example/"
    parsed = parse_spec("20260102030405id_")
    assert parsed is not None and parsed.modifier == "id_" and parsed.when == when.replace(microsecond=0)
    assert parse_spec("2026").when == datetime(2026, 1, 1, tzinfo=UTC)  # pywb-style short timestamps
    assert parse_spec("20260102030405").modifier == ""
    for bad in ("yesterday", "20261340000000", "20260102030405xx_", "123", "202601020304050"):
        assert parse_spec(bad) is None, bad


def test_references_resolve_and_keep_or_neutralise_other_schemes() -> None:
    resolve = resolver(PAGE, to_archive)
    assert resolve("../img/a b.png") == to_archive("http://news.example/img/a%20b.png")
    assert resolve("//cdn.example/x.css") == to_archive("http://cdn.example/x.css")
    assert resolve("#comments") == "#comments"
    assert resolve("data:image/png;base64,AAAA") == "data:image/png;base64,AAAA"
    assert resolve("mailto:desk@news.example") == "mailto:desk@news.example"
    assert resolve("javascript:alert(1)") == "#"
    assert resolve("ftp://files.example/x") == "#"


@pytest.mark.parametrize(("srcset", "expected"), [
    ("a.png 1x, b.png 2x", "A[a.png] 1x, A[b.png] 2x"),
    ("a.png, b.png 2x", "A[a.png], A[b.png] 2x"),
    ("a.png,b.png 2x", "A[a.png,b.png] 2x"),  # the standard: a URL is everything up to white space
    ("  a.png   480w ,\n b.png 800w  ", "A[a.png] 480w, A[b.png] 800w"),
    ("data:image/png;base64,AA,BB 1x, c.png 2x", "A[data:image/png;base64,AA,BB] 1x, A[c.png] 2x"),
    ("a.png", "A[a.png]"),
    ("", ""),
])
def test_srcset_keeps_descriptors_and_commas_inside_urls(srcset: str, expected: str) -> None:
    assert rewrite_srcset(srcset, lambda url: f"A[{url}]") == expected


def test_css_rewrites_urls_imports_and_image_sets_but_not_comments_or_strings() -> None:
    css = ('@charset "utf-8";\n@import "base.css" screen;\n@import url(print.css) print;\n'
           '/* url(commented.png) */\n'
           '@font-face { font-family: F; src: url("f.woff2") format("woff2"), url(f.woff) format("woff"); }\n'
           '.a { background: url( bg.png ) no-repeat; content: "not-a-url.png"; }\n'
           '.b { background-image: image-set("x.png" 1x, url(x2.png) 2x); }\n'
           '.c { background: url(data:image/gif;base64,R0lG) }\n')
    seen: list[str] = []
    out = rewrite_css(css, lambda ref: seen.append(ref) or f"/R/{ref}")
    assert seen == ["base.css", "print.css", "f.woff2", "f.woff", "bg.png", "x.png", "x2.png",
                    "data:image/gif;base64,R0lG"]
    assert '@import "/R/base.css" screen;' in out and "@import url(/R/print.css) print;" in out
    assert "/* url(commented.png) */" in out and '"not-a-url.png"' in out and '@charset "utf-8";' in out
    assert 'src: url("/R/f.woff2") format("woff2"), url(/R/f.woff) format("woff")' in out
    assert 'image-set("/R/x.png" 1x, url(/R/x2.png) 2x)' in out


def test_css_keeps_everything_else_byte_for_byte() -> None:
    css = ".a{color:#fff;margin:0 auto!important}\n@media (max-width:600px){.b{display:none}}\n"
    assert rewrite_css(css, lambda ref: ref) == css


def test_css_escapes_urls_that_need_it() -> None:
    out = rewrite_css("a { background: url(x.png) }", lambda ref: "/R/a b(c).png")
    assert out == r"a { background: url(/R/a\ b\(c\).png) }"


HTML = """<!DOCTYPE html>
<html><head><meta charset="windows-1250"><base href="/assets/">
<link rel="stylesheet" href="site.css" integrity="sha384-xyz" crossorigin="anonymous">
<link rel="icon" href="/favicon.ico"><link rel="preload" as="image" href="hero.jpg" imagesrcset="hero.jpg 1x">
<style>body { background: url(bg.png) } /* url(no.png) */</style>
<meta http-equiv="refresh" content="30; url=/world/">
<script src="app.js"></script><script>var u = "http://live.example/x.png";</script>
</head><body>
<img src="a.png" srcset="a.png 1x, http://cdn.example/a2.png 2x" alt="A">
<img class="lazy" src="data:image/gif;base64,R0lGODlh" data-src="lazy.png" data-srcset="lazy.png 1x, lazy2.png 2x">
<picture><source data-srcset="p.webp" type="image/webp"><img src="p.jpg"></picture>
<video poster="poster.jpg"><source src="clip.mp4"></video>
<div style="background-image: url('div.png')">Š</div>
<a href="/world/other.html">other</a> <a href="#top">top</a> <a href="javascript:void(0)">js</a>
<svg><image xlink:href="s.svg"/></svg>
<iframe srcdoc="<p><img src='in-frame.png'></p>"></iframe>
</body></html>"""


def rewritten_doc() -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(rewrite_html(HTML, PAGE, to_archive))


def a(path: str) -> str:
    return to_archive("http://news.example" + path)


def test_html_references_point_at_the_archive_resolved_against_base() -> None:
    doc = rewritten_doc()
    assert doc.find(".//link[@rel='stylesheet']").get("href") == a("/assets/site.css")
    assert doc.find(".//link[@rel='icon']").get("href") == a("/favicon.ico")
    preload = doc.find(".//link[@rel='preload']")
    assert preload.get("href") == a("/assets/hero.jpg") and preload.get("imagesrcset") == a("/assets/hero.jpg") + " 1x"
    first = doc.find(".//img")
    assert first.get("src") == a("/assets/a.png")
    assert first.get("srcset") == f"{a('/assets/a.png')} 1x, {to_archive('http://cdn.example/a2.png')} 2x"
    assert doc.find(".//video").get("poster") == a("/assets/poster.jpg")
    assert doc.find(".//video/source").get("src") == a("/assets/clip.mp4")
    assert doc.find(".//script").get("src") == a("/assets/app.js")
    links = [e.get("href") for e in doc.iter("a")]
    assert links == [a("/world/other.html"), "#top", "#"]
    assert doc.find(".//image").get("xlink:href") == a("/assets/s.svg")
    assert doc.find(".//meta[@http-equiv='refresh']").get("content") == f"30; url={a('/world/')}"
    inner = lxml.html.document_fromstring(doc.find(".//iframe").get("srcdoc"))
    assert inner.find(".//img").get("src") == a("/assets/in-frame.png")


def test_html_base_integrity_and_crossorigin_are_gone_and_the_charset_is_utf8() -> None:
    doc = rewritten_doc()
    assert doc.find(".//base") is None
    stylesheet = doc.find(".//link[@rel='stylesheet']")
    assert stylesheet.get("integrity") is None and stylesheet.get("crossorigin") is None
    assert doc.find(".//meta[@charset]").get("charset") == "utf-8"
    out = rewrite_html(HTML, PAGE, to_archive)
    assert out.startswith("<!DOCTYPE html>") and "Š" in out


def test_html_lazy_images_become_loadable() -> None:
    doc = rewritten_doc()
    lazy = doc.find(".//img[@class='lazy']")
    assert lazy.get("src") == lazy.get("data-src") == a("/assets/lazy.png")
    assert lazy.get("srcset") == f"{a('/assets/lazy.png')} 1x, {a('/assets/lazy2.png')} 2x"
    assert doc.find(".//picture/source").get("srcset") == a("/assets/p.webp")


def test_html_inline_css_is_rewritten_and_scripts_text_is_left_alone() -> None:
    doc = rewritten_doc()
    style = doc.find(".//style").text
    assert f"url({a('/assets/bg.png')})" in style and "/* url(no.png) */" in style
    assert doc.find(".//div").get("style") == f'background-image: url("{a("/assets/div.png")}")'
    assert doc.findall(".//script")[1].text == 'var u = "http://live.example/x.png";'


def test_html_without_a_doctype_stays_without_one_and_junk_passes_through() -> None:
    out = rewrite_html("<p><img src=x.png></p>", PAGE, to_archive)
    assert not out.lower().startswith("<!doctype") and a("/world/x.png") in out
    assert rewrite_html("", PAGE, to_archive) == ""
    quirks = '<!-- generated -->\n<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN"><p>x</p>'
    assert rewrite_html(quirks, PAGE, to_archive).lower().startswith('<!doctype html public "-//w3c//dtd html 4.01 tr')


_MARKUP = st.text(alphabet=st.sampled_from(list("<>/=\"' abcimgsrcstylehrefurl()#:;,.@-\n\x00é")), max_size=300)


@settings(max_examples=300, deadline=None, database=None)
@given(_MARKUP)
def test_rewriting_never_fails_on_junk(markup: str) -> None:
    out = rewrite_html(markup, PAGE, to_archive)
    assert isinstance(out, str)
    assert isinstance(rewrite_css(markup, lambda ref: "/R/" + ref), str)
    assert isinstance(rewrite_srcset(markup, lambda ref: "/R/" + ref), str)
