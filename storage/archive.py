"""The archive: WARC files plus the catalogue that points into them.

:class:`Archive` is what capture code calls. It keeps the two rules that tie WARC and
catalogue together:

- a catalogue row is committed only after the WARC record it points at has been written
  and flushed, and records whose row cannot be committed (a full disk) are cut back out of
  the file, so there is no row without its record and no record without its row;
- a payload whose digest was archived before (any URL) is written as a ``revisit``, never
  stored twice.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from storage.article_records import write_article_records
from storage.articles import ArticleData, article_row, copy_article_columns, follows_from_payload
from storage.catalogue import queries
from storage.catalogue.catalogue import Catalogue
from storage.catalogue.database import Database
from storage.catalogue.digest_lock import digest_lock
from storage.catalogue.inserts import insert_row
from storage.catalogue.models import Article, Capture, CrawlRun, Rendering, utcnow
from storage.config import StorageConfig
from storage.errors import CatalogueError, DiskFullError
from storage.recovery import recover_archive
from storage.warc.http import HttpRequest, HttpResponse
from storage.warc.reader import ArchivedRecord, read_record, resolve_warc_path
from storage.warc.writer import RevisitTarget, WarcWriter, payload_digest

if TYPE_CHECKING:
    from storage.catalogue.search_model import SearchFilters
    from storage.export.selection import ExportSelection

__all__ = ["Archive", "ArticleData"]

log = logging.getLogger(__name__)


class Archive:
    """An archive directory: a :class:`WarcWriter` (opened on first write) and a :class:`Database`.

    ``catalogue`` is the :class:`Catalogue` facade over that database: every read (and every
    catalogue update that is not part of writing a capture) the application makes goes through it.

    Opening it first recovers any ``.open`` WARC file a killed process left (see
    :mod:`storage.recovery`).

    ``read_only``: the caller only reads. The archive must exist, and one that cannot be written
    (a read-only disk) is opened as it is: catalogue immutable, no recovery (see
    :mod:`storage.catalogue.database`). Without it, an archive that cannot be written is refused.

    ``warcinfo`` goes into the ``warcinfo`` record at the start of every WARC file this
    archive writes (crawl settings, operator, ...).
    """

    def __init__(self, config: StorageConfig, *, warcinfo: Mapping[str, object] | None = None,
                 recover: bool = True, read_only: bool = False) -> None:
        self.config = config
        self.db = Database(config.database_url, read_only=read_only)
        recover = recover and not self.db.immutable  # a read-only archive is read as it is
        #: What the application asks of the catalogue (see :class:`Catalogue`); ``db`` is storage's own.
        self.catalogue = Catalogue(self.db)
        # What a killed writer left is put right before anything reads or writes.
        self.recovered = recover_archive(self.db, config.warc_dir) if recover else []
        self._warcinfo = dict(warcinfo or {})
        self._writer: WarcWriter | None = None
        self._lock = threading.Lock()
        self._seen_digests: dict[str, tuple[int, RevisitTarget]] = {}

    # ------------------------------------------------------------------ writing
    def describe(self, warcinfo: Mapping[str, object]) -> None:
        """Fields for the ``warcinfo`` record of the WARC files this archive writes (before its first record)."""
        self._warcinfo = {**self._warcinfo, **dict(warcinfo)}

    @property
    def writer(self) -> WarcWriter:
        """The WARC writer (created on first use)."""
        if self._writer is None:
            self._writer = WarcWriter(
                self.config.warc_dir,
                prefix=self.config.warc_prefix,
                max_size=self.config.warc_max_size,
                warcinfo=self._warcinfo,
                fsync_interval=self.config.fsync_interval,
            )
        return self._writer

    @property
    def disk_full(self) -> DiskFullError | None:
        """The first write (WARC or catalogue) that found no space left, if one did; what followed was not written."""
        found = [error for error in (self._writer.disk_full if self._writer is not None else None, self.db.disk_full)
                 if error is not None]
        return min(found, key=lambda error: error.when) if found else None

    def start_run(self, kind: str, *, name: str | None = None, settings: Mapping[str, Any] | None = None) -> int:
        """Record the start of a crawl run; return its id."""
        with self.db.session() as session:
            run = CrawlRun(kind=kind, name=name, settings=dict(settings or {}),
                           hostname=socket.gethostname(), pid=os.getpid(), status="running")
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, *, status: str, stats: Mapping[str, Any] | None = None) -> None:
        """Record how a crawl run ended (``stats`` merged into what the run recorded while it ran)."""
        with self.db.session() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise CatalogueError(f"no crawl run {run_id}")
            run.status = status
            run.finished_at = utcnow()
            run.stats = {**(run.stats or {}), **_jsonable(dict(stats or {}))}

    def record_exchange(
        self,
        url: str,
        request: HttpRequest,
        response: HttpResponse,
        *,
        requested_url: str | None = None,
        fetched_at: datetime | None = None,
        ip_address: str | None = None,
        truncated: str | None = None,
        redirect_location: str | None = None,
        crawl_run_id: int | None = None,
        error: str | None = None,
        not_modified_of: int | None = None,
        flags: Sequence[str] = (),
    ) -> Capture:
        """Write one HTTP exchange to WARC (response or revisit + request), then catalogue it.

        ``flags`` mark the capture (``captures.flags``) and are written in the response record's
        ``Archiver-Flags`` field (:data:`storage.warc.writer.FLAGS_FIELD`), for reindex.

        ``not_modified_of``: the id of the capture a conditional request was made against. A
        304 answer is then written as a ``revisit`` (profile server-not-modified) of that
        capture's response record (of its original, when it was itself a revisit), and its row
        gets ``revisit_of`` and the original's payload digest, so the article is found again.
        """
        fetched_at = fetched_at or datetime.now(UTC)
        digest = payload_digest(response.body)
        # The digest lock spans look-up, WARC write and insert: two processes storing the same
        # bytes at once would otherwise both write a full response record (PostgreSQL only).
        # The writer's atomic block too: a row that cannot be written takes its records back out.
        with self._lock, digest_lock(self.db, digest), self.writer.atomic():
            original = None
            if not_modified_of is not None and response.status == 304:
                original = self._not_modified_target(not_modified_of)
                if original is not None:
                    digest = original[1].payload_digest or digest
            elif response.body and not truncated:
                original = self._find_original(digest)
            location = self.writer.write_exchange(
                url, request, response, fetched_at=fetched_at, ip_address=ip_address,
                truncated=truncated, revisit_of=original[1] if original else None, flags=flags,
            )
            capture = Capture(
                url=url,
                requested_url=requested_url or url,
                method=request.method,
                status=response.status,
                content_type=(response.content_type or None) and response.content_type[:255],
                redirect_location=redirect_location,
                fetched_at=fetched_at,
                ip_address=ip_address,
                warc_file=location.response.filename,
                warc_offset=location.response.offset,
                warc_length=location.response.length,
                record_id=location.response.record_id,
                record_type=location.response.record_type,
                request_record_id=location.request.record_id,
                payload_digest=digest,
                payload_length=len(response.body),
                truncated=truncated,
                revisit_of_id=original[0] if original else None,
                crawl_run_id=crawl_run_id,
                error=error,
                flags=list(dict.fromkeys(flags)) or None,
            )
            with self.db.session() as session:
                insert_row(session, capture)
            if original is None and response.body and not truncated:
                self._seen_digests[digest] = (capture.id, _revisit_target(capture))
        return capture

    def _not_modified_target(self, capture_id: int) -> tuple[int, RevisitTarget] | None:
        with self.db.session() as session:
            earlier = session.get(Capture, capture_id)
            if earlier is not None and earlier.record_type == "revisit" and earlier.revisit_of_id is not None:
                earlier = session.get(Capture, earlier.revisit_of_id)
        if earlier is None or earlier.record_type != "response" or earlier.record_id is None:
            return None
        target = RevisitTarget(target_uri=earlier.url, date=earlier.fetched_at, record_id=earlier.record_id,
                               not_modified=True, payload_digest=earlier.payload_digest)
        return (earlier.id, target)

    def record_failure(self, url: str, error: str, *, requested_url: str | None = None,
                       crawl_run_id: int | None = None, fetched_at: datetime | None = None) -> Capture:
        """Catalogue a fetch that got no HTTP response (timeout, DNS, refused): no WARC record."""
        capture = Capture(url=url, requested_url=requested_url or url, error=error,
                          fetched_at=fetched_at or datetime.now(UTC), crawl_run_id=crawl_run_id)
        with self.db.session() as session:
            insert_row(session, capture)
        return capture

    def record_article(self, capture: Capture, data: ArticleData) -> Article:
        """Write the extracted text (``conversion``) and fields (``metadata``) to WARC, then catalogue them.

        Both records refer to the capture's response record.
        """
        if capture.record_id is None or capture.id is None:
            raise CatalogueError(f"capture {capture.id} has no WARC record to attach an article to")
        with self._lock, self.writer.atomic():
            conversion = write_article_records(self.writer, capture.url, capture.record_id, data)
            article = article_row(capture.id, data)
            if conversion is not None:
                article.conversion_file = conversion.filename
                article.conversion_offset = conversion.offset
                article.conversion_length = conversion.length
                article.conversion_record_id = conversion.record_id
            with self.db.session() as session:
                insert_row(session, article)
        return article

    def copy_article(self, source_capture_id: int, capture: Capture) -> Article | None:
        """Give a revisit capture the article of the capture whose payload it repeats."""
        with self.db.session() as session:
            source = queries.article_for_capture(session, source_capture_id)
            if source is None or not follows_from_payload(source):
                return None
            article = Article(capture_id=capture.id)
            copy_article_columns(source, article)
            insert_row(session, article)
        return article

    # ------------------------------------------------------------------ reading
    @contextmanager
    def export_selection(self, filters: SearchFilters, *, limit: int | None = None) -> Iterator[ExportSelection]:
        """The articles ``filters`` select (at most ``limit``) and their WARC/WACZ writers, in one read transaction."""
        from storage.export.selection import ExportSelection

        with self.catalogue.read_transaction() as session:
            yield ExportSelection(session, filters, limit=limit)

    def read(self, capture: Capture) -> ArchivedRecord:
        """The WARC record a capture points at (one seek)."""
        if capture.warc_file is None or capture.warc_offset is None:
            raise CatalogueError(f"capture {capture.id} has no WARC record ({capture.error or 'not archived'})")
        path = resolve_warc_path(self.config.warc_dir, capture.warc_file)
        return read_record(path, capture.warc_offset, expected_length=capture.warc_length)

    def read_rendering(self, rendering: Rendering) -> ArchivedRecord:
        """The WARC ``resource`` record a rendering points at (one seek); its ``payload`` is the DOM or PNG."""
        path = resolve_warc_path(self.config.warc_dir, rendering.warc_file)
        return read_record(path, rendering.warc_offset, expected_length=rendering.warc_length)

    def close(self) -> None:
        """Close the open WARC file under its final name and release the database."""
        with self._lock:
            if self._writer is not None:
                self._writer.close()
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _find_original(self, digest: str) -> tuple[int, RevisitTarget] | None:
        if digest in self._seen_digests:
            return self._seen_digests[digest]
        with self.db.session() as session:
            capture = queries.first_capture_with_digest(session, digest)
        if capture is None:
            return None
        found = (capture.id, _revisit_target(capture))
        self._seen_digests[digest] = found
        return found




def _revisit_target(capture: Capture) -> RevisitTarget:
    return RevisitTarget(target_uri=capture.url, date=capture.fetched_at, record_id=capture.record_id or "")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
