"""A Scrapy crawl with the archiver's settings that sends HEAD to each URL (``python -m support.head_crawl HOME URL``).

The archiver's commands only GET; this runs the same download handler and capture
middleware (no extraction) so a test can read back what a HEAD answer left in the WARC.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


class HeadSpider(Spider):
    """Sends HEAD to each of ``urls``."""

    name = "head"

    def __init__(self, urls: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self) -> Iterator[Request]:  # type: ignore[override]
        for url in self.urls:
            yield Request(url, method="HEAD", dont_filter=True)

    def parse(self, response: object) -> None:
        return None


def main() -> None:
    home, urls = sys.argv[1], sys.argv[2:]
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    settings.set("ARCHIVER_HOME", home)
    settings.set("ROBOTSTXT_OBEY", False)
    settings.set("ITEM_PIPELINES", {})
    process = CrawlerProcess(settings)
    process.crawl(HeadSpider, urls=urls)
    process.start()


if __name__ == "__main__":
    main()
