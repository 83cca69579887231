"""Articles made straight through :class:`storage.Archive` (fast: no crawl), for query tests."""

from __future__ import annotations

import contextlib
import gzip
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from storage import Archive, ArticleData, StorageConfig
from storage.catalogue.models import Capture
from storage.warc import HttpRequest, HttpResponse
from support.cli import HOME_ENV
from support.services import postgres_database

SEED_MD = Path(__file__).with_name("fixtures") / "seed_article.md"
SEED_URL = "https://www.themoscowtimes.com/2023/04/16/frustration-with-russia-grows-in-armenia-a80849"
SEED_TITLE = "Frustration With Russia Grows in Armenia"


def seed_text() -> str:
    """The seed article's body paragraphs as plain text (no title, byline, date or links)."""
    lines = SEED_MD.read_text(encoding="utf-8").split("Original url:")[0].splitlines()
    after_date = lines[lines.index("April 16, 2023") + 1:]
    body = [line for line in after_date if line.strip() and not line.startswith("**Related article")]
    text = "\n".join(body[1:])  # the first is the photo caption
    return re.sub(r"\*\*(.*?)\*\*", r"\1", text)


def page(url: str, html: str) -> tuple[HttpRequest, HttpResponse]:
    """A GET of ``url`` and a gzip HTML response carrying ``html``."""
    parts = urlsplit(url)
    request = HttpRequest("GET", parts.path or "/", [("Accept-Encoding", "gzip, deflate"), ("Host", parts.netloc)])
    response = HttpResponse(200, [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
                            gzip.compress(html.encode("utf-8"), mtime=0))
    return request, response


def add_article(archive: Archive, url: str, *, title: str, text: str, authors: tuple[str, ...] = (),
                published: str | None = None, language: str | None = "en", sitename: str | None = None,
                fetched_at: datetime | None = None, status: int = 200, **fields: object) -> Capture:
    """Archive a page at ``url`` (its HTML holds title and text) and catalogue its article.

    A page whose bytes were archived before becomes a revisit that shares the earlier article,
    as the extraction pipeline does.
    """
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n"))
    request, response = page(url, f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{paragraphs}"
                                   f"</body></html>")
    response = HttpResponse(status, response.headers, response.body)
    capture = archive.record_exchange(url, request, response, fetched_at=fetched_at or datetime.now(UTC))
    if capture.record_type == "revisit" and capture.revisit_of_id:
        archive.copy_article(capture.revisit_of_id, capture)
        return capture
    archive.record_article(capture, ArticleData(
        title=title, authors=list(authors), published=published, language=language, sitename=sitename,
        text=text, word_count=len(text.split()), **fields))  # type: ignore[arg-type]
    return capture


def when(day: int, hour: int = 12) -> datetime:
    """A capture time in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def newsroom(archive: Archive) -> dict[str, Capture]:
    """The seed article among others that share some of its words, authors or site."""
    captures = {
        "seed": add_article(archive, SEED_URL, title=SEED_TITLE, text=seed_text(), authors=("AFP",),
                            published="2023-04-16T12:05:00+03:00", sitename="The Moscow Times",
                            fetched_at=when(1)),
        "wine": add_article(archive, "https://news.example.org/2023/05/02/armenian-wine",
                            title="Armenia's wine makers look west",
                            text="Armenia exports more wine each year.\nWinemakers in Armenia hope for Europe.\n"
                                 "Armenia, Armenia, Armenia: the word is on every label.",
                            authors=("Jane Doe",), published="2023-05-02T08:00:00+00:00", sitename="News Example",
                            fetched_at=when(2)),
        "csto": add_article(archive, "https://www.themoscowtimes.com/2023/05/10/csto-summit",
                            title="CSTO summit ends without a statement",
                            text="Leaders of the CSTO met in Minsk. The CSTO summit ended early.",
                            authors=("AFP", "Reuters"), published="2023-05-10T18:30:00+03:00",
                            sitename="The Moscow Times", fetched_at=when(3)),
        "both": add_article(archive, "https://blog.example.net/long-read",
                            title="A long read on the Caucasus",
                            text=" ".join(["The region has many stories."] * 60
                                          + ["Armenia is a member of the CSTO."] + ["More stories follow."] * 60),
                            authors=("Hakob Badalyan",), published="2022-12-01", language="de",
                            sitename="Example Blog", fetched_at=when(4)),
        "french": add_article(archive, "https://www.lemonde.example.fr/international/armenie",
                              title="L'Arménie se détourne de Moscou",
                              text="L'Arménie, longtemps alliée de la Russie, cherche d'autres partenaires.",
                              authors=("AFP",), published="2023-04-20T10:00:00+02:00", language="fr",
                              sitename="Le Monde", fetched_at=when(5)),
    }
    return captures


CHANGING_URL = "https://news.example.org/2026/11/live-story"
CHANGING_V1 = ("The minister resigned on Monday. Protesters gathered outside parliament.\n"
               "Talks with Baku were suspended.")
CHANGING_V3 = ("The minister resigned on Monday. Thousands of protesters gathered outside parliament.\n"
               "Talks with Baku were suspended.")


def changing_page(archive: Archive) -> list[Capture]:
    """One page archived three times: a first version, the same bytes again (a revisit), then a changed one."""
    return [
        add_article(archive, CHANGING_URL, title="Minister resigns", text=CHANGING_V1, authors=("Ani Petrosyan",),
                    published="2026-11-06T09:00:00+00:00", sitename="News Example", fetched_at=when(6)),
        add_article(archive, CHANGING_URL, title="Minister resigns", text=CHANGING_V1, authors=("Ani Petrosyan",),
                    published="2026-11-06T09:00:00+00:00", sitename="News Example", fetched_at=when(7)),
        add_article(archive, CHANGING_URL, title="Minister resigns", text=CHANGING_V3, authors=("Ani Petrosyan",),
                    published="2026-11-06T09:00:00+00:00", sitename="News Example", fetched_at=when(8)),
    ]


def config_for(home: Path) -> StorageConfig:
    """The storage settings of the archive at ``home`` (its registered database, if any)."""
    return StorageConfig.from_env(HOME_ENV.get(home, {}), home=home, fsync_interval=0.0)


@contextlib.contextmanager
def sample_catalogue(home: Path, backend: str,
                     extra: Callable[[Archive], dict[str, int]] | None = None) -> Iterator[dict[str, int]]:
    """The newsroom and the changing page archived at ``home``, on SQLite or on a fresh PostgreSQL
    database (registered in :data:`HOME_ENV` for the block); yields the capture ids by name
    (``v1``-``v3`` for the changing page), with those ``extra`` adds."""
    with contextlib.ExitStack() as stack:
        if backend == "postgresql":
            HOME_ENV[home] = {"ARCHIVER_DATABASE_URL": stack.enter_context(postgres_database())}
            stack.callback(HOME_ENV.pop, home, None)
        with Archive(config_for(home)) as archive:
            ids = {name: capture.id for name, capture in newsroom(archive).items()}
            v1, v2, v3 = changing_page(archive)
            ids.update(v1=v1.id, v2=v2.id, v3=v3.id)
            if extra is not None:
                ids.update(extra(archive))
        yield ids
