"""Catalogue WARC records from the files alone: ours or any other tool's (wget, Heritrix, ...).

For each ``response``/``revisit`` record without a catalogue row, a capture row is made from
its WARC and HTTP headers; so is one for each ``resource`` record of a web URL (``http``,
``https``, ``ftp``: a file a tool stored directly, its content type the record's own), while
``resource`` records of other targets (``urn:screenshot:...``, ``urn:text:...`` as Browsertrix
and our browser lane name them, wget's ``metadata://`` arguments file) describe a crawl or a
page rather than capture one and are left out. ARC records read as
``response`` records. Our ``conversion`` + ``metadata`` records become article rows.
Records already catalogued (same WARC-Record-ID) are skipped, so indexing is idempotent; a
later ``conversion`` record of an already catalogued response (``archiver reextract``) replaces
the article made from an earlier one. ``urn:requisites:`` metadata records become the links from
a page capture to its requisites (:mod:`storage.requisites`); ``urn:dom:`` and ``urn:fullPage:``
resource records become the page's renderings (:mod:`storage.renderings`); ``urn:flags:`` metadata
records put a capture's flags back (:mod:`storage.flags`), and a capture flagged ``blocked`` is
never listed as one without an article. What a crawl decided
and the pages cannot tell again is restored too: ``urn:pagekind:`` records name the pages a
``--site`` crawl judged not to be articles (never listed for extraction; :mod:`storage.page_kind`),
``urn:change:`` records give back the detected edits with their capture links
(:mod:`storage.change_records`). Archives written before these records reindex as before.
Extracting text from responses that have no conversion record is the caller's job (this
package does not extract); :class:`IndexResult` lists those captures.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from storage.articles import ARTICLE_FIELDS, ArticleData, article_row, copy_article_columns, follows_from_payload
from storage.catalogue import queries
from storage.catalogue.database import Database
from storage.catalogue.models import Article, Capture
from storage.change_records import is_change_record, restore_changes
from storage.flags import is_flags_record, not_an_article, restore_flags
from storage.page_kind import is_page_kind_record, not_article_record_ids
from storage.renderings import is_rendering_record, restore_renderings
from storage.requisites import is_requisites_record, restore_links
from storage.timefmt import parse_iso_or_none
from storage.warc.reader import ArchivedRecord, ScanProblem, scan_file
from storage.warc.writer import FLAGS_FIELD, payload_digest

__all__ = ["IndexResult", "copy_articles_to_revisits", "index_warc_file", "is_capture"]

log = logging.getLogger(__name__)


_WEB_SCHEMES = ("http://", "https://", "ftp://")


def is_capture(record: ArchivedRecord) -> bool:
    """Whether ``record`` is catalogued as a capture (a response, a revisit, a resource of a web URL)."""
    if record.record_type in ("response", "revisit"):
        return True
    return record.record_type == "resource" and record.target_uri.lower().startswith(_WEB_SCHEMES)


@dataclass
class IndexResult:
    """What indexing one or more files did."""

    records: int = 0
    captures_added: int = 0
    articles_added: int = 0
    requisite_links_added: int = 0
    renderings_added: int = 0
    flags_restored: int = 0
    changes_restored: int = 0
    problems: list[str] = field(default_factory=list)
    without_article: list[int] = field(default_factory=list)  # 2xx HTML captures with no article
    #: Response record ids a crawl judged not to be articles (``urn:pagekind:`` records): never extracted.
    not_articles: set[str] = field(default_factory=set)

    def add(self, other: IndexResult) -> None:
        """Fold another result into this one."""
        self.records += other.records
        self.captures_added += other.captures_added
        self.articles_added += other.articles_added
        self.requisite_links_added += other.requisite_links_added
        self.renderings_added += other.renderings_added
        self.flags_restored += other.flags_restored
        self.changes_restored += other.changes_restored
        self.problems += other.problems
        self.without_article += other.without_article
        self.not_articles |= other.not_articles


def index_warc_file(db: Database, path: Path, *, crawl_run_id: int | None = None) -> IndexResult:
    """Catalogue every record of ``path`` that the catalogue does not have yet.

    ``path`` must lie in the archive's WARC directory: rows name it by its file name.
    """
    result = IndexResult()
    requests: dict[str, str] = {}  # response record id -> request record id (either direction)
    conversions: dict[str, ArchivedRecord] = {}
    metadata: dict[str, dict[str, Any]] = {}
    requisites: list[ArchivedRecord] = []
    renderings: list[ArchivedRecord] = []
    flags: list[ArchivedRecord] = []
    page_kinds: list[ArchivedRecord] = []
    changes: list[ArchivedRecord] = []
    new_captures: list[Capture] = []
    with db.session() as session:
        for item in scan_file(path):
            if isinstance(item, ScanProblem):
                result.problems.append(f"{item.path} at offset {item.offset}: {item.message}")
                continue
            result.records += 1
            kind = item.record_type
            if kind == "request":
                target = item.header("WARC-Concurrent-To")
                if target:
                    requests[target] = item.record_id
            elif is_capture(item):
                concurrent = item.header("WARC-Concurrent-To")
                if concurrent:
                    requests.setdefault(item.record_id, concurrent)
                if queries.capture_by_record_id(session, item.record_id) is None:
                    capture = _capture_from_record(session, item, path.name, crawl_run_id)
                    session.add(capture)
                    session.flush()
                    new_captures.append(capture)
            elif kind == "conversion" and item.header("WARC-Refers-To"):
                conversions[item.header("WARC-Refers-To") or ""] = item
            elif is_requisites_record(item):
                requisites.append(item)
            elif is_rendering_record(item):
                renderings.append(item)
            elif is_flags_record(item):
                flags.append(item)
            elif is_page_kind_record(item):
                page_kinds.append(item)
            elif is_change_record(item):
                changes.append(item)
            elif kind == "metadata" and "json" in (item.header("Content-Type") or ""):
                refers_to = item.header("WARC-Refers-To")
                try:
                    fields = json.loads(item.payload)
                except ValueError:
                    continue
                if refers_to and isinstance(fields, dict):
                    metadata[refers_to] = fields
        for capture in new_captures:
            capture.request_record_id = requests.get(capture.record_id or "")
        _follow_redirect_chains(new_captures)
        result.captures_added = len(new_captures)
        result.articles_added = _add_articles(session, conversions, metadata)
        session.flush()
        result.articles_added += _copy_articles_to_revisits(session)
        result.requisite_links_added = restore_links(session, requisites)
        result.renderings_added = restore_renderings(session, renderings)
        result.flags_restored = restore_flags(session, flags)
        result.changes_restored = restore_changes(session, changes)
        result.not_articles = not_article_record_ids(page_kinds)
        for capture in new_captures:
            if capture.record_id in result.not_articles:
                continue  # the crawl followed it for its links: not an article
            if (_fetched_ok(capture) and "html" in (capture.content_type or "") and not not_an_article(capture.flags)
                    and queries.article_for_capture(session, capture.id) is None):
                result.without_article.append(capture.id)
    log.info("indexed %s: %d records, %d new captures, %d new articles", path.name, result.records,
             result.captures_added, result.articles_added)
    return result


#: How long after a redirect hop the fetch of its target still counts as the next hop of the chain.
_NEXT_HOP_WITHIN = timedelta(minutes=5)


def _follow_redirect_chains(captures: list[Capture]) -> None:
    """Give each later hop of a redirect chain the URL that started the chain, as the crawl recorded it.

    A crawl writes the hops of a chain one after the other into one file; a capture of a URL a
    hop redirected to, fetched shortly after that hop, is the chain's next hop.
    """
    pending: dict[str, tuple[str, datetime]] = {}  # redirect target -> (chain start, hop time)
    for capture in captures:
        hop = pending.pop(capture.url, None)
        if hop is not None and timedelta(0) <= capture.fetched_at - hop[1] <= _NEXT_HOP_WITHIN:
            capture.requested_url = hop[0]
        if capture.redirect_location and capture.redirect_location != capture.url:
            pending[capture.redirect_location] = (capture.requested_url, capture.fetched_at)


def _fetched_ok(capture: Capture) -> bool:
    """A response with a 2xx status, or a resource (stored as it was, without an HTTP status)."""
    if capture.record_type == "resource":
        return True
    return capture.record_type == "response" and capture.status is not None and 200 <= capture.status < 300


def copy_articles_to_revisits(db: Database) -> int:
    """Give each revisit without an article its original's (e.g. once the original's was extracted)."""
    with db.session() as session:
        return _copy_articles_to_revisits(session)


def _capture_from_record(session: Session, record: ArchivedRecord, filename: str, crawl_run_id: int | None) -> Capture:
    url = record.target_uri
    status = record.http_status
    location = record.http_header("Location")
    content_type = record.http_header("Content-Type")
    if record.record_type == "resource":
        content_type = record.header("Content-Type")
    stated_digest = record.header("WARC-Payload-Digest")
    digest = stated_digest or payload_digest(record.payload)
    revisit_of = None
    length = len(record.payload) if record.record_type in ("response", "resource") else None
    if record.record_type == "revisit":
        refers_to = record.header("WARC-Refers-To")
        original = queries.capture_by_record_id(session, refers_to) if refers_to else None
        if original is None and stated_digest:
            original = queries.first_capture_with_digest(session, stated_digest)
        revisit_of = original.id if original else None
        if original is not None and not stated_digest:
            # A 304 (profile server-not-modified) states no digest: it repeats its original's payload,
            # as the crawl that wrote it catalogued it, not the empty body of the 304.
            digest = original.payload_digest or digest
        # What was received, as the crawl counted it: nothing for a 304, the original's bytes for a
        # payload seen before.
        if "server-not-modified" in (record.header("WARC-Profile") or ""):
            length = 0
        elif original is not None:
            length = original.payload_length
    return Capture(
        url=url,
        requested_url=url,
        status=status,
        content_type=content_type[:255] if content_type else None,
        redirect_location=urljoin(url, location) if location and status and 300 <= status < 400 else None,
        fetched_at=_warc_date(record.header("WARC-Date")),
        ip_address=record.header("WARC-IP-Address"),
        warc_file=filename,
        warc_offset=record.offset,
        warc_length=record.length,
        record_id=record.record_id,
        record_type=record.record_type,
        payload_digest=digest,
        payload_length=length,
        truncated=record.header("WARC-Truncated"),
        flags=[f.strip() for f in (record.header(FLAGS_FIELD) or "").split(",") if f.strip()] or None,
        revisit_of_id=revisit_of,
        crawl_run_id=crawl_run_id,
    )


def _add_articles(session: Session, conversions: dict[str, ArchivedRecord], metadata: dict[str, dict[str, Any]]) -> int:
    added = 0
    for response_id in set(conversions) | set(metadata):
        capture = queries.capture_by_record_id(session, response_id)
        if capture is None:
            continue
        conversion = conversions.get(response_id)
        existing = queries.article_for_capture(session, capture.id)
        if existing is not None and not _supersedes(conversion, existing):
            continue
        fields = {k: v for k, v in metadata.get(response_id, {}).items() if k in ARTICLE_FIELDS}
        if conversion is not None:
            fields["text"] = conversion.payload.decode("utf-8", "replace")
        article = article_row(capture.id, ArticleData(**fields))
        if conversion is not None:
            article.conversion_file = Path(conversion.path).name
            article.conversion_offset = conversion.offset
            article.conversion_length = conversion.length
            article.conversion_record_id = conversion.record_id
        if existing is not None:  # a later extraction (archiver reextract) of the same response
            copy_article_columns(article, existing)
            log.info("capture %d: article replaced by the later extraction in %s", capture.id, article.conversion_file)
            continue
        session.add(article)
        added += 1
    return added


def _copy_articles_to_revisits(session: Session) -> int:
    """Give each revisit without an article a copy of the article of the capture it repeats, as a crawl does.

    A revisit has no conversion record of its own: it shares its original's. Run after every
    file, so an original whose article comes from a later file still passes it on.
    """
    original = aliased(Article)
    own = aliased(Article)
    rows = session.execute(
        select(Capture.id, original).join(original, original.capture_id == Capture.revisit_of_id)
        .where(Capture.revisit_of_id.is_not(None), ~exists().where(own.capture_id == Capture.id))).all()
    copies = [(capture_id, source) for capture_id, source in rows if follows_from_payload(source)]
    for capture_id, source in copies:
        article = Article(capture_id=capture_id)
        copy_article_columns(source, article)
        session.add(article)
    return len(copies)


def _supersedes(conversion: ArchivedRecord | None, article: Article) -> bool:
    """Whether ``conversion`` is a later extraction than the one ``article`` was made from.

    WARC file names sort by creation time, and records within a file by offset, so the
    newest conversion record of a response wins, whatever order the files are indexed in.
    """
    if conversion is None or article.conversion_file is None or article.conversion_offset is None:
        return False
    if conversion.record_id == article.conversion_record_id:
        return False
    return (Path(conversion.path).name, conversion.offset) > (article.conversion_file, article.conversion_offset)


def _warc_date(value: str | None) -> datetime:
    return parse_iso_or_none(value) or datetime.now(UTC)
