"""The web UI's runs page shows counts for every kind of run, not only crawls and archives."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from support.catalogue_samples import add_article
from support.web import asgi_client

from archiver.services.reindex import reindex
from archiver.services.scheduling.daemon import Scheduler
from archiver.web import WebConfig
from storage import Archive, StorageConfig


def _rows(config: StorageConfig) -> dict[str, list[str]]:
    """kind -> the five count cells of the newest run of that kind on /runs."""
    async def get() -> str:
        async with asgi_client(WebConfig(storage=config)) as client:
            return (await client.get("/runs")).text

    rows: dict[str, list[str]] = {}
    for row in re.findall(r"<tr><td>\d+</td>(.*?)</tr>", asyncio.run(get()), flags=re.S):
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        rows.setdefault(cells[1], cells[-5:])
    return rows


def test_a_reindex_run_has_counts(tmp_path: Path) -> None:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        add_article(archive, "https://news.example/a", title="Port strike", text="Workers walked out.")
        add_article(archive, "https://news.example/b", title="Port deal", text="Workers went back.")
    with Archive(config) as archive:
        archive.catalogue.clear_captures()
        reindex(archive)
    pages, articles, _, _, errors = _rows(config)["reindex"]
    assert (pages, articles, errors) == ("2", "2", "0")


def test_a_schedule_run_the_daemon_records_has_zero_counts(tmp_path: Path) -> None:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        schedule = archive.catalogue.add_schedule(name="news", cron="@daily", timezone="UTC",
                                                 crawl_args=["--site", "https://x.example/"],
                                                 next_run_at=datetime.now(UTC))
        daemon = SimpleNamespace(catalogue=archive.catalogue, hostname="host")
        Scheduler._record(daemon, schedule.id, "news", None, datetime.now(UTC),  # type: ignore[arg-type]
                                status="failed", stats={"error": "cannot start archiver"})
    assert _rows(config)["schedule"] == ["0", "0", "0", "0", "0"]
