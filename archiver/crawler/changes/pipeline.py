"""Item pipeline: after extraction, plan revisits and record edits.

The work is :func:`archiver.crawler.changes.record.note_capture`.

Runs after :class:`archiver.crawler.pipelines.ExtractionPipeline` (which catalogues the article, or
copies it for a 304 or an identical payload), on the archive session's catalogue thread
(:meth:`archiver.crawler.capture.session.ArchiveSession.call`), never on the reactor thread. A failure
is logged and counted (``archiver/watch/error``), never fatal: the capture is archived already.

Settings: ``ARCHIVER_WATCH_ENABLED`` (default True), ``ARCHIVER_REVISIT_POLICY`` (default
``1h,6h,1d,7d``; ``off``: no revisits), ``ARCHIVER_WEBHOOK_URL`` (queue a delivery per change).
Like every setting, they may come from the environment or archiver.toml (archiver.core.config).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.crawler.capture.session import archive_session
from archiver.crawler.changes.policy import PolicyError, policy_from
from archiver.crawler.changes.record import note_capture
from storage import DiskFullError

__all__ = ["WatchPipeline"]

log = logging.getLogger(__name__)


class WatchPipeline:
    """Plans revisits of new articles and records the edits recaptures show."""

    def __init__(self, crawler: Crawler, *, policy: list[float], webhook_url: str | None) -> None:
        self.crawler = crawler
        self.policy = policy
        self.webhook_url = webhook_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WatchPipeline:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WATCH_ENABLED", True):
            raise NotConfigured("ARCHIVER_WATCH_ENABLED is off")
        try:
            policy = policy_from(settings)
        except PolicyError as exc:
            log.error("%s: no revisits are planned and no edits recorded in this crawl", exc)
            raise NotConfigured(str(exc)) from None
        webhook = settings.get("ARCHIVER_WEBHOOK_URL") or None
        return cls(crawler, policy=policy, webhook_url=webhook)

    async def process_item(self, item: Any) -> Any:
        capture_id = ItemAdapter(item).get("capture_id")
        if not capture_id:
            return item
        session = archive_session(self.crawler)
        try:
            change = await session.call(partial(note_capture, session.archive.catalogue, capture_id, policy=self.policy,
                                                webhook_url=self.webhook_url, writer=session.archive.writer))
        except DiskFullError:
            return item  # the crawl is stopping (see ArchiveSession.call)
        except Exception:  # the capture is archived: a watch failure must not lose the item
            log.exception("change detection failed for capture %s", capture_id)
            self._count("archiver/watch/error")
            return item
        if change is not None:
            self._count("archiver/watch/changes")
        return item

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
