"""The spider registry: a discovery spider registered by a test (no edit to the crawl options,
the CLI or the schedule check) is accepted by CrawlOptions and by the schedule argument check,
with its own typed argument checked there too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from archiver.crawler.crawl.options import CrawlOptionError, CrawlOptions
from archiver.services.scheduling import ScheduleError
from archiver.services.scheduling.crawlargs import check_crawl_args
from spiders.base import DiscoverySpider
from spiders.params import Param, SpiderArgumentError
from spiders.registry import discovery_spiders, register, unregister
from spiders.urls import url_target


def _language(value: str, name: str) -> str:
    if len(value) != 2 or not value.isalpha():
        raise SpiderArgumentError(f"{name}: a two-letter language code, got {value!r}")
    return value.lower()


LANGUAGE = Param(name="language", metavar="CODE", parse=_language, help="only pages in this language.")
PAGES = Param(name="archive_pages", type=int, help="how many archive pages to read.")


class ArchivePagesSpider(DiscoverySpider):
    """A toy: would read a site's dated archive pages."""

    name = "archive_pages_toy"
    target = url_target("--archive-index", "A dated archive index URL.")
    params = (LANGUAGE, PAGES)


@pytest.fixture
def toy() -> Iterator[type]:
    register(ArchivePagesSpider)
    yield ArchivePagesSpider
    unregister(ArchivePagesSpider.name)


def test_builtin_spiders_are_registered() -> None:
    assert list(discovery_spiders()) == ["sitemap", "feed", "site", "urls"]


def test_a_registered_spider_is_accepted_by_crawl_options(toy: type) -> None:
    options = CrawlOptions("archive_pages_toy", "http://x.test/archive", params={"language": "EN", "archive_pages": 3})
    options.check()
    assert options.run_name == "archive_pages_toy-x.test"
    assert options.spider_args() == {"url": "http://x.test/archive", "language": "EN", "archive_pages": 3}
    with pytest.raises(CrawlOptionError, match="--language: a two-letter language code"):
        CrawlOptions("archive_pages_toy", "http://x.test/", params={"language": "english"}).check()
    with pytest.raises(CrawlOptionError, match="--language only applies to --archive-index crawls"):
        CrawlOptions("site", "http://x.test/", params={"language": "en"}).check()
    with pytest.raises(CrawlOptionError, match=r"--archive-index: not an http\(s\) URL"):
        CrawlOptions("archive_pages_toy", "ftp://x.test/").check()
    spider = ArchivePagesSpider(url="http://x.test/", language="fr")
    assert spider.url == "http://x.test/" and spider.params == (LANGUAGE, PAGES)


def test_a_registered_spider_is_accepted_by_the_schedule_check(toy: type) -> None:
    args = ["--archive-index", "http://x.test/archive", "--language", "en", "--archive-pages", "2", "--max-pages", "5"]
    assert check_crawl_args(args, "crawl") == args
    with pytest.raises(ScheduleError, match="archiver crawl: Invalid value for '--archive-pages'"):
        check_crawl_args(["--archive-index", "http://x.test/", "--archive-pages", "two"], "crawl")
    with pytest.raises(ScheduleError, match="archiver crawl: Option '--language' requires an argument"):
        check_crawl_args(["--archive-index", "http://x.test/", "--language"], "crawl")
    with pytest.raises(ScheduleError, match="give exactly one of .*--urls FILE, --archive-index URL"):
        check_crawl_args(["--archive-index", "http://x.test/", "--site", "http://x.test/"], "crawl")


def test_without_registration_its_options_are_unknown() -> None:
    with pytest.raises(ScheduleError, match="archiver crawl: No such option: --archive-index"):
        check_crawl_args(["--archive-index", "http://x.test/"], "crawl")
    with pytest.raises(CrawlOptionError, match="unknown way to find pages"):
        CrawlOptions("archive_pages_toy", "http://x.test/").check()
