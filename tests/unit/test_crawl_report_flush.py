"""The crawl report saves its counts one write at a time: a slow catalogue gets the newest counts, not a queue."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from archiver.crawler.crawl import report as report_module
from archiver.crawler.crawl.report import CrawlReport
from spiders.urls import UrlsSpider


def test_a_pending_write_is_not_queued_behind_and_the_next_tick_saves_the_newest_counts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pending: list[tuple[Deferred, dict[str, Any]]] = []

    def defer_to_thread(function: Any, counts: dict[str, Any]) -> Deferred:
        deferred: Deferred = Deferred()
        pending.append((deferred, counts))
        return deferred

    monkeypatch.setattr(report_module.threads, "deferToThread", defer_to_thread)
    report = CrawlReport(get_crawler(UrlsSpider), flush_interval=1.0)
    report.counts["pages"] = 3
    report._flush()
    report.counts["pages"] = 5
    report._flush()  # the first write has not finished: nothing queued
    assert [counts["pages"] for _, counts in pending] == [3]
    pending[0][0].callback(None)
    report.counts["pages"] = 8
    report._flush()
    assert [counts["pages"] for _, counts in pending] == [3, 8]
    pending[1][0].errback(RuntimeError("database is locked"))  # a failed write frees the slot too
    report._flush()
    assert len(pending) == 3
