"""Figures about the archive: catalogue counts by site, language and month, and WARC disk usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.warc.naming import OPEN_SUFFIX

__all__ = ["ArchiveStats", "HostCount", "LanguageCount", "MonthCount", "archive_stats", "warc_usage"]


@dataclass(frozen=True)
class HostCount:
    """Captures, article versions and distinct pages with an article, for one host."""

    host: str
    captures: int
    articles: int
    pages: int


@dataclass(frozen=True)
class LanguageCount:
    """Article versions and distinct pages in one language (None: not detected)."""

    language: str | None
    articles: int
    pages: int


@dataclass(frozen=True)
class MonthCount:
    """Captures made, and articles published, in one month (``YYYY-MM``, UTC)."""

    month: str
    captured: int
    published: int


@dataclass
class ArchiveStats:
    """Everything ``archiver stats`` shows."""

    totals: dict[str, int]
    warc_files: int
    warc_bytes: int
    by_host: list[HostCount] = field(default_factory=list)
    by_language: list[LanguageCount] = field(default_factory=list)
    by_month: list[MonthCount] = field(default_factory=list)


def warc_usage(warc_dir: Path) -> tuple[int, int]:
    """How many WARC files (closed and open) ``warc_dir`` holds and their total size in bytes."""
    if not warc_dir.is_dir():
        return 0, 0
    files = [p for p in warc_dir.iterdir() if p.is_file() and p.name.endswith((".warc.gz", ".warc.gz" + OPEN_SUFFIX,
                                                                               ".warc", ".warc" + OPEN_SUFFIX))]
    return len(files), sum(p.stat().st_size for p in files)


def archive_stats(session: Session, warc_dir: Path) -> ArchiveStats:
    """Counts from the catalogue and sizes from the WARC directory."""
    files, size = warc_usage(warc_dir)
    return ArchiveStats(
        totals=queries.catalogue_totals(session),
        warc_files=files,
        warc_bytes=size,
        by_host=[HostCount(*row) for row in queries.counts_by_host(session)],
        by_language=[LanguageCount(*row) for row in queries.counts_by_language(session)],
        by_month=[MonthCount(*row) for row in queries.counts_by_month(session)],
    )
