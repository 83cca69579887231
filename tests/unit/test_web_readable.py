"""Web UI for people: the number of results, dates as read (the ISO value in ``<time datetime>``)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from support.catalogue_samples import add_article
from support.web import asgi_client

from archiver.web import WebConfig
from archiver.web.deps import readable_date
from storage import Archive, StorageConfig


def _page(tmp_path: Path, path: str, articles: int = 5, page_size: int = 2) -> str:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        for number in range(articles):
            add_article(archive, f"https://news.example/2026/11/{number}", title=f"Port strike day {number}",
                        text=f"Port workers strike, day {number} of the dispute over pay.",
                        published="2026-11-30T10:00:00+00:00")

    async def get() -> str:
        async with asgi_client(WebConfig(storage=config, page_size=page_size)) as client:
            return (await client.get(path)).text

    return asyncio.run(get())


def test_search_says_how_many_results_in_all(tmp_path: Path) -> None:
    page = _page(tmp_path, "/?q=port")
    assert re.search(r'<p class="count">5 results</p>', page), page
    assert page.count('<li class="hit">') == 2  # one page of them


def test_dates_read_as_dates_with_the_iso_value_kept(tmp_path: Path) -> None:
    page = _page(tmp_path, "/?q=port")
    assert '<time datetime="2026-11-30T10:00:00+00:00">30 Nov 2026, 10:00 UTC</time>' in page
    assert ">2026-11-30T10:00:00+00:00<" not in page


def test_readable_date() -> None:
    assert str(readable_date("2026-11-30")) == '<time datetime="2026-11-30">30 Nov 2026</time>'
    assert str(readable_date(None)) == "" and str(readable_date("sometime")) == "sometime"
