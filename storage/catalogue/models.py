"""The catalogue's tables as SQLAlchemy 2.x typed ORM models.

Only portable types are used (no SQLite-only types), so the same models serve PostgreSQL.
Full-text search tables (FTS5 on SQLite) are created by the migrations, not declared here.

- ``crawl_runs``: one per run of the archiver (an ``archive`` command, a crawl, a scheduled run).
- ``captures``: one per HTTP exchange (each redirect hop and retry too) or per failed fetch;
  points at its WARC record by file name + offset + length.
- ``articles``: what extraction found in a capture (at most one per capture).
- ``schedules``: persistent crawl schedules (cron + crawl arguments + the scheduler's lease).
- ``requisite_links``: which captures (images, stylesheets, fonts, ...) a page capture needed
  to render, and the ones it could not get; see :mod:`storage.requisites`.
- ``revisits``, ``changes``, ``webhook_outbox``: silent-edit watch (revisit plan per URL, detected
  edits, webhook deliveries to make); see :mod:`storage.catalogue.changes`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.catalogue.hosts import host_key

__all__ = [
    "Article", "Base", "Capture", "ChangeRecord", "CrawlRun", "Rendering", "RequisiteLink", "Revisit",
    "Schedule", "UTCDateTime", "WebhookDelivery",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no offset; PostgreSQL's ``timestamptz`` does. Either way callers get
    aware UTC datetimes, and naive input is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware value")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (needed for migrations on any database)."""

    metadata = MetaData(naming_convention=NAMING)


def _host_key_default(context: Any) -> str | None:
    """Fill ``captures.host_key`` from the row's URL on insert (ORM and bulk inserts alike)."""
    return host_key(context.get_current_parameters().get("url"))


class CrawlRun(Base):
    """One run of the archiver: what was asked, when, how it ended, with counts."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # archive | crawl | schedule
    name: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(32), default="running")  # running, finished, killed, ... (README)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("schedules.id", ondelete="SET NULL"))
    hostname: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)

    captures: Mapped[list[Capture]] = relationship(back_populates="crawl_run")

    __table_args__ = (Index("ix_crawl_runs_schedule_id", "schedule_id"),)


class Capture(Base):
    """One HTTP exchange (or one failed attempt) and where its WARC record lies.

    ``url`` is this exchange's target URI; ``requested_url`` the URL that started the
    redirect chain it belongs to (equal to ``url`` without redirects). A failed fetch has
    ``error`` set and no WARC location. A revisit points at the capture holding the payload.
    """

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(Text)
    requested_url: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(String(16), default="GET")
    status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    redirect_location: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(64))

    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    record_id: Mapped[str | None] = mapped_column(String(64))
    record_type: Mapped[str | None] = mapped_column(String(16))  # response | revisit
    request_record_id: Mapped[str | None] = mapped_column(String(64))

    payload_digest: Mapped[str | None] = mapped_column(String(64))
    payload_length: Mapped[int | None] = mapped_column(BigInteger)
    truncated: Mapped[str | None] = mapped_column(String(16))  # WARC-Truncated reason
    revisit_of_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)
    # Short names of what is wrong with an archived exchange (``blocked``, ``decoded-limit``); None: none.
    flags: Mapped[list[str] | None] = mapped_column(JSON)
    # The URL's host, labels reversed (org.example.www): site filters by index (storage/catalogue/hosts.py).
    host_key: Mapped[str | None] = mapped_column(String(255), default=_host_key_default)

    crawl_run: Mapped[CrawlRun | None] = relationship(back_populates="captures")
    revisit_of: Mapped[Capture | None] = relationship(remote_side=[id])
    article: Mapped[Article | None] = relationship(back_populates="capture", uselist=False)

    __table_args__ = (
        # Hash indexes on PostgreSQL: URLs can exceed a btree entry's size limit.
        Index("ix_captures_url", "url", postgresql_using="hash"),
        Index("ix_captures_requested_url", "requested_url", postgresql_using="hash"),
        Index("ix_captures_payload_digest", "payload_digest"),
        Index("ix_captures_fetched_at", "fetched_at"),
        Index("ix_captures_crawl_run_id", "crawl_run_id"),
        Index("ix_captures_host_key", "host_key"),
    )

    @property
    def is_redirect(self) -> bool:
        """True for a 3xx hop of a redirect chain."""
        return self.status is not None and 300 <= self.status < 400 and self.redirect_location is not None


class Article(Base):
    """What extraction found in one capture: clean text and metadata.

    ``published``/``modified`` keep the page's own ISO 8601 value (with its UTC offset);
    ``published_at`` is the same instant in UTC for sorting and range filters.
    """

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    author: Mapped[str | None] = mapped_column(Text)  # authors joined with "; " (searchable)
    published: Mapped[str | None] = mapped_column(String(40))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    modified: Mapped[str | None] = mapped_column(String(40))
    sitename: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    text: Mapped[str | None] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    extractor: Mapped[str | None] = mapped_column(String(64))
    field_sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # What the sitemap or feed that listed the page said about it (title, dates, authors, its URL).
    listing: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    conversion_file: Mapped[str | None] = mapped_column(String(255))
    conversion_offset: Mapped[int | None] = mapped_column(BigInteger)
    conversion_length: Mapped[int | None] = mapped_column(BigInteger)
    conversion_record_id: Mapped[str | None] = mapped_column(String(64))

    capture: Mapped[Capture] = relationship(back_populates="article")

    __table_args__ = (
        Index("ix_articles_published_at", "published_at"),
        Index("ix_articles_language", "language"),
    )


class RequisiteLink(Base):
    """One page requisite of a page capture: the capture that holds it, or why it is missing.

    A shared logo is one capture linked from many pages. ``requisite_capture_id`` is None when
    nothing was fetched (over ``ARCHIVER_REQUISITES_MAX``, refused by robots.txt); a failed
    fetch links its failure row and says why in ``missing``. ``record_id`` names the WARC
    ``metadata`` record (``urn:requisites:<page url>``) that states the link, so a reindex
    rebuilds it from the WARC alone.
    """

    __tablename__ = "requisite_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(32))
    requisite_capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    missing: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[str | None] = mapped_column(String(64))

    requisite: Mapped[Capture | None] = relationship(foreign_keys=[requisite_capture_id])

    __table_args__ = (
        Index("ix_requisite_links_page_capture_id", "page_capture_id"),
        Index("ix_requisite_links_requisite_capture_id", "requisite_capture_id"),
    )


class Rendering(Base):
    """What a browser made of a page capture: the DOM after scripts or a full-page screenshot.

    ``kind`` is the record's URN kind (``dom``, ``fullPage``: see storage.warc.uris); ``source`` is
    ``browser`` (the live page rendered in the browser lane) or ``replay`` (the archived page
    rendered from the archive alone). The row points at the WARC ``resource`` record holding it.
    """

    __tablename__ = "renderings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(255))
    warc_file: Mapped[str] = mapped_column(String(255))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    payload_length: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_renderings_page_capture_id", "page_capture_id"),)


class Schedule(Base):
    """A persistent crawl schedule: a cron expression in a timezone and the crawl to run.

    ``crawl_args`` is the argument list of ``archiver crawl`` (without the command itself).
    ``time_limit`` is in seconds (None: no limit). ``lease_owner``/``lease_expires_at`` are
    set by the scheduler that is running the schedule, so no other scheduler starts it until
    the lease is released or has expired (see :mod:`storage.catalogue.schedules`).
    """

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    crawl_args: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    time_limit: Mapped[float | None] = mapped_column(Float)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Revisit(Base):
    """When to fetch a freshly archived article again (silent-edit watch).

    ``policy`` holds the offsets in seconds from ``first_archived_at``; ``step`` is the index of
    the next one (``next_due_at`` None: the plan is over). ``last_capture_id`` is the capture
    the next recapture is compared with. The lease works as the schedules' one. ``url_key`` (the
    URL's SHA-1) is what is unique: a B-tree entry cannot hold a very long URL on PostgreSQL.
    """

    __tablename__ = "revisits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(String(40))
    host_key: Mapped[str | None] = mapped_column(String(255))
    policy: Mapped[list[float]] = mapped_column(JSON, default=list)
    step: Mapped[int] = mapped_column(Integer, default=0)
    first_archived_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_revisits_url_key", "url_key", unique=True),
        Index("ix_revisits_next_due_at", "next_due_at"),
    )


class ChangeRecord(Base):
    """An edit detected between two captures of one page: which fields, how much, sentence summary.

    ``details`` holds, per changed field, the old and new values (for ``body``: the sentences
    added, removed and edited).
    """

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    host_key: Mapped[str | None] = mapped_column(String(255))
    before_capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    after_capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    before_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    after_fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    words_added: Mapped[int] = mapped_column(Integer, default=0)
    words_removed: Mapped[int] = mapped_column(Integer, default=0)
    sentences_added: Mapped[int] = mapped_column(Integer, default=0)
    sentences_removed: Mapped[int] = mapped_column(Integer, default=0)
    sentences_edited: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_changes_after_capture_id", "after_capture_id", unique=True),
        Index("ix_changes_after_fetched_at", "after_fetched_at"),
        Index("ix_changes_host_key", "host_key"),
    )


class WebhookDelivery(Base):
    """One change to POST to one webhook target: the persistent outbox the scheduler drains."""

    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    target_url: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gave_up: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_webhook_outbox_next_attempt_at", "next_attempt_at"),)
