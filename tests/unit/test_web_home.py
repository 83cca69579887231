"""The web UI's home page (no query): dated, titled articles before pages without a title or date."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from support.catalogue_samples import add_article, when
from support.web import asgi_client

from archiver.web import WebConfig
from storage import Archive, StorageConfig
from storage.catalogue.listing import listing_statements


def _home(tmp_path: Path, path: str = "/", page_size: int = 10) -> list[str]:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        add_article(archive, "https://news.example/a", title="Port strike ends", text="Workers went back.",
                    published="2026-11-20T10:00:00+00:00", fetched_at=when(21))
        add_article(archive, "https://news.example/b", title="Port strike begins", text="Workers walked out.",
                    published="2026-11-10T10:00:00+00:00", fetched_at=when(22))
        add_article(archive, "https://news.example/section", title="", text="Latest news index.",
                    published=None, fetched_at=when(28))
        add_article(archive, "https://news.example/undated", title="A page with no date", text="Undated.",
                    published=None, fetched_at=when(27))

    async def get() -> str:
        async with asgi_client(WebConfig(storage=config, page_size=page_size)) as client:
            return (await client.get(path)).text

    return re.findall(r"https://news\.example/[a-z]+", asyncio.run(get()))


def _order(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(u.rsplit("/", 1)[1] for u in urls))


def test_home_lists_dated_articles_before_a_newer_untitled_undated_page(tmp_path: Path) -> None:
    assert _order(_home(tmp_path)) == ["a", "b", "section", "undated"]


def test_home_paging_keeps_the_order(tmp_path: Path) -> None:
    assert _order(_home(tmp_path, "/?page=2", page_size=2)) == ["section", "undated"]


def test_a_query_keeps_its_own_order(tmp_path: Path) -> None:
    assert _order(_home(tmp_path, "/?q=workers+OR+undated+OR+latest&sort=date")) == ["section", "undated", "a", "b"]


def test_the_listing_walks_indexes_on_sqlite(tmp_path: Path) -> None:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive, archive.db.engine.connect() as connection:
        for statement in listing_statements(11):
            sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
            plan = " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            # ties on the first key may be sorted among themselves ("RIGHT PART"); the table never is
            assert "TEMP B-TREE FOR ORDER BY" not in plan, plan
            assert "USING INDEX ix_" in plan, plan
