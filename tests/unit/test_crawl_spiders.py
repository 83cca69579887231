"""The discovery spiders and their parsers, without a network: sitemaps, feeds, page kinds, scope."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler
from support.crawl_site import Site, _articles_sitemap, _atom, _news_sitemap, _rss, _sitemap_index, article_path

from spiders.feed import FeedSpider
from spiders.feeds import parse_feed
from spiders.pagekind import is_article_page
from spiders.pages import DISCOVERY_KEY, LISTING_KEY, NEED_BODY_KEY, REPLAYED_KEY
from spiders.params import SpiderArgumentError, parse_since
from spiders.scope import LinkScope, url_shape
from spiders.site import SiteSpider
from spiders.sitemap import SitemapSpider
from spiders.sitemaps import parse_sitemap, sitemap_body, sitemap_urls_from_robots

BASE = "http://news.test/"


def make(spidercls, **kwargs):
    return spidercls.from_crawler(get_crawler(spidercls), **kwargs)


# --------------------------------------------------------------------------- sitemaps


def test_sitemap_index_and_gzipped_child() -> None:
    entries = list(parse_sitemap(_sitemap_index(BASE)))
    assert [(e.loc, e.is_sitemap) for e in entries] == [
        (BASE + "sitemaps/articles.xml.gz", True), (BASE + "sitemaps/news.xml", True)]
    assert entries[0].lastmod == datetime(2024, 6, 1, tzinfo=UTC)
    packed = gzip.compress(_articles_sitemap(BASE, 30))
    urls = [e.loc for e in parse_sitemap(sitemap_body(packed))]
    assert urls[:2] == [BASE + article_path(0)[1:], BASE + article_path(1)[1:]]
    assert urls[-1] == BASE + "private/secret" and len(urls) == 21


def test_google_news_fields() -> None:
    entries = list(parse_sitemap(_news_sitemap(BASE, 30)))
    assert len(entries) == 10
    assert entries[0].title == "Council budget story number 20"
    assert entries[0].published == datetime(2024, 4, 21, 8, 0, tzinfo=UTC)
    assert entries[0].newest == entries[0].published


def test_robots_sitemap_lines() -> None:
    text = "User-agent: *\nDisallow: /private/\nSitemap: /sitemap_index.xml\nsitemap: https://x.test/b.xml\n"
    assert list(sitemap_urls_from_robots(text.encode(), base_url=BASE)) == [BASE + "sitemap_index.xml", "https://x.test/b.xml"]


def test_hostile_sitemap_entities_are_not_expanded() -> None:
    xml = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://a.test/&x;</loc></url></urlset>"""
    assert all("root:" not in e.loc for e in parse_sitemap(xml))


def test_sitemap_spider_follows_index_filters_since_and_carries_news_fields() -> None:
    spider = make(SitemapSpider, url=BASE + "robots.txt", since="2024-04-25")
    robots = TextResponse(BASE + "robots.txt", body=b"Sitemap: /sitemap_index.xml\n", encoding="utf-8")
    [index_request] = list(spider.parse_robots(robots))
    assert index_request.url == BASE + "sitemap_index.xml" and index_request.meta[DISCOVERY_KEY]
    index = XmlResponse(index_request.url, body=_sitemap_index(BASE))
    children = [r.url for r in spider.parse_sitemap(index)]
    assert children == [BASE + "sitemaps/articles.xml.gz", BASE + "sitemaps/news.xml"]
    # A sitemap listed twice (an index loop) is read once.
    assert list(spider.parse_sitemap(index)) == []
    gz = spider.parse_sitemap(TextResponse(children[0], body=gzip.compress(_articles_sitemap(BASE, 30))))
    pages = [r.url for r in gz]
    # since 2024-04-25: articles 0-19 are older (lastmod 04-01..04-20); the undated-but-newer secret stays.
    assert pages == [BASE + "private/secret"]
    news = list(spider.parse_sitemap(XmlResponse(children[1], body=_news_sitemap(BASE, 30))))
    assert [r.url for r in news] == [BASE + article_path(i)[1:] for i in range(24, 30)]
    assert news[0].meta[LISTING_KEY]["title"] == "Council budget story number 24"
    assert news[0].meta[LISTING_KEY]["published"] == "2024-04-25T08:00:00+00:00"
    assert DISCOVERY_KEY not in news[0].meta


@pytest.mark.parametrize(("args", "message"), [
    ({"url": "ftp://x.test/"}, r"not an http\(s\) URL"),
    ({"url": BASE, "since": "last tuesday"}, "since: not a date"),
    ({"url": BASE, "allow": "(unclosed"}, "allow: bad regular expression"),
])
def test_bad_arguments_fail_up_front(args: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SitemapSpider(**args)


def test_site_spider_rejects_bad_depth() -> None:
    with pytest.raises(SpiderArgumentError, match="max_depth: must be 0 or more"):
        SiteSpider(url=BASE, max_depth="-1")
    with pytest.raises(SpiderArgumentError, match="max_depth: not a whole number"):
        SiteSpider(url=BASE, max_depth="deep")


def test_parse_since_forms() -> None:
    assert parse_since("2024-05-01") == datetime(2024, 5, 1, tzinfo=UTC)
    assert parse_since("2024-05-01T10:00:00+02:00") == datetime(2024, 5, 1, 8, tzinfo=UTC)
    assert parse_since(None) is None


# --------------------------------------------------------------------------- feeds


def test_rss_relative_links_and_metadata() -> None:
    entries = list(parse_feed(_rss(30), BASE + "feeds/rss.xml"))
    assert len(entries) == 10
    first = entries[0]
    assert first.link == BASE + article_path(0)[1:]
    assert first.title == "Council budget story number 0"
    assert first.published == datetime(2024, 4, 1, 8, tzinfo=UTC)
    assert first.authors == ["Reporter 0"] and first.summary == "Summary of story 0."


def test_atom_xml_base_and_metadata() -> None:
    entries = list(parse_feed(_atom(30), BASE + "feeds/atom.xml"))
    assert [e.link for e in entries] == [BASE + article_path(i)[1:] for i in range(10, 20)]
    assert entries[0].authors == ["Reporter 1"]
    assert entries[0].updated == datetime(2024, 4, 11, 8, tzinfo=UTC)


def test_feed_spider_yields_page_requests_with_listing() -> None:
    spider = make(FeedSpider, url=BASE + "feeds/rss.xml", deny=["number-[1-9]-"])
    requests = list(spider.parse_feed(XmlResponse(BASE + "feeds/rss.xml", body=_rss(30))))
    assert [r.url for r in requests] == [BASE + article_path(0)[1:]]
    assert requests[0].meta[LISTING_KEY]["authors"] == ["Reporter 0"]


def test_not_a_feed_yields_nothing() -> None:
    assert list(parse_feed(b"<html><body>hello</body></html>", BASE)) == []


# --------------------------------------------------------------------------- page kinds and scope


def test_articles_and_index_pages_are_told_apart() -> None:
    site = Site(30, 0)
    assert is_article_page(site.article_html(3).decode(), BASE + article_path(3)[1:])
    index = site.index_html("World", [(article_path(i), "x") for i in range(5)]).decode()
    assert not is_article_page(index, BASE + "section/world")
    long_text = "<p>" + "word " * 400 + "</p>"
    assert is_article_page(f"<html><body><article>{long_text}</article></body></html>", BASE + "x")
    assert not is_article_page(f"<html><body><article>{long_text}</article><article>b</article></body></html>",
                               BASE + "x")
    assert is_article_page(f"<html><body><div>{long_text}</div></body></html>",
                           BASE + "2024/05/01/mayor-explains-the-new-budget")
    assert not is_article_page(f"<html><body><div>{long_text}</div></body></html>", BASE + "about")


def test_scope_host_patterns_and_query_limits() -> None:
    import re

    scope = LinkScope("http://www.news.test/", deny=[re.compile("/tag/")], max_query_params=2)
    assert scope.admit("http://news.test/a?b=1&a=2#frag") == "http://news.test/a?a=2&b=1"
    assert scope.admit("http://news.test/a?a=2&b=1") is None  # same page, seen
    assert scope.admit("http://other.test/a") is None
    assert scope.admit("http://news.test/tag/x") is None
    assert scope.admit("http://news.test/list?a=1&b=1&c=1") is None
    assert scope.admit("mailto:x@news.test") is None
    assert scope.rejected == {"offsite": 1, "denied": 1, "too_many_query_params": 1, "scheme": 1}


def test_pattern_cap_stops_endless_index_pages_but_not_articles() -> None:
    scope = LinkScope(BASE, pattern_cap=3)
    assert url_shape(BASE + "calendar/2031/07") == url_shape(BASE + "calendar/1999/12") == "/calendar/#/#"
    for month in range(1, 4):
        assert scope.admit(f"{BASE}calendar/2030/{month:02d}")
        scope.note_index(f"{BASE}calendar/2030/{month:02d}")
    assert scope.admit(BASE + "calendar/2030/04") is None
    for n in range(10):  # numeric article ids of one shape are not index pages: never capped
        assert scope.admit(f"{BASE}news/{n}")


def test_site_spider_follows_in_scope_links_and_yields_only_articles() -> None:
    site = Site(30, 0)
    spider = make(SiteSpider, url=BASE)
    home = HtmlResponse(BASE, body=site.index_html("Home", [(article_path(1), "a"), ("http://else.test/", "b")]),
                        request=Request(BASE, meta={"depth": 0}))
    out = list(spider.parse(home))
    assert not [o for o in out if not isinstance(o, Request)]  # an index page is not handed on
    urls = {r.url for r in out}
    assert BASE + article_path(1)[1:] in urls and "http://else.test/" not in urls
    assert all(r.meta[NEED_BODY_KEY] for r in out)
    article_url = BASE + article_path(1)[1:]
    article = HtmlResponse(article_url, body=site.article_html(1), request=Request(article_url, meta={"depth": 5}))
    items = list(spider.parse(article))
    assert len(items) == 1 and items[0].url == article_url and items[0].discovered_via == "link"  # depth 5: no links
    replayed = HtmlResponse(article_url, body=site.article_html(1),
                            request=Request(article_url, meta={"depth": 1, REPLAYED_KEY: True}))
    assert all(isinstance(o, Request) for o in spider.parse(replayed))
