"""The catalogue facade, the silent-edit watch: revisit plans, detected changes, the webhook outbox.

:meth:`WatchFacade.note_capture` is the watch's unit of work for one capture (plan a revisit,
or compare with the capture compared last and record the change), in one transaction, with
the same statements the watch always ran: it runs for every article a crawl archives. The
comparison itself is the application's (``detect``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from storage.catalogue import changes as queries
from storage.catalogue.facade.base import FacadeBase
from storage.catalogue.models import Article, Capture, ChangeRecord, Revisit, WebhookDelivery

__all__ = ["ChangeRecorder", "DetectedChange", "WatchFacade"]


@dataclass(frozen=True)
class DetectedChange:
    """What the application found changed between two versions of a page (a ``changes`` row's figures)."""

    fields: Sequence[str]
    words_added: int
    words_removed: int
    sentences_added: int
    sentences_removed: int
    sentences_edited: int
    details: dict[str, Any] = field(default_factory=dict)


#: ``detect(before, after, site_texts)``: the change between two articles of a page, or None.
Detect = Callable[[Article, Article, list[str | None]], DetectedChange | None]
#: ``record(change, before, after)``: write down a change row (flushed: its id is known) and its two captures.
ChangeRecorder = Callable[[ChangeRecord, Capture, Capture], None]


class WatchFacade(FacadeBase):
    """Revisits, changes and webhook deliveries."""

    # ------------------------------------------------------------------ one capture
    def note_capture(self, capture_id: int, *, policy: Sequence[float], detect: Detect, now: datetime,
                     webhook_url: str | None = None, record: ChangeRecorder | None = None) -> ChangeRecord | None:
        """Plan revisits for, or record an edit in, capture ``capture_id``; the change row written, if any.

        A URL archived for the first time gets a revisit plan (due at its capture time plus
        ``policy[0]`` seconds). A later capture of a planned URL moves the plan's watermark (a
        conditional update: one process compares each capture) and is compared, by ``detect``,
        with the capture the watermark pointed at; a change becomes a ``changes`` row, and a
        webhook delivery when ``webhook_url`` is set. ``record`` (see :func:`storage.change_records.change_recorder`)
        writes the change's WARC record before the row is committed: an error there adds no row.
        """
        with self._session() as session:
            found = queries.capture_with_article(session, capture_id)
            if found is None:
                return None  # nothing extracted: nothing to compare
            url, fetched_at = found
            revisit = queries.get_revisit(session, url)
            if revisit is None:  # the common case in a crawl: a first capture, whose article need not be loaded
                due = fetched_at + timedelta(seconds=policy[0]) if policy else None
                queries.plan_revisit(session, url=url, policy=policy, first_archived_at=fetched_at,
                                     next_due_at=due, capture_id=capture_id)
                return None
            found_article = queries.article_of(session, capture_id)
            if found_article is None:
                return None
            capture, article = found_article
            previous_id = revisit.last_capture_id
            if previous_id is not None and previous_id >= capture.id:
                return None  # already compared (or an older capture arriving late)
            if not queries.move_watermark(session, revisit.id, previous=previous_id, capture_id=capture.id):
                return None  # another process compared it
            before = queries.article_of(session, previous_id) if previous_id is not None else None
            if before is None:
                return None
            before_capture, before_article = before
            site = queries.site_texts(session, capture.host_key, exclude_url=capture.url)
            change = detect(before_article, article, site)
            if not change:
                return None
            row = queries.add_change(session, ChangeRecord(
                url=capture.url, host_key=capture.host_key, before_capture_id=before_capture.id,
                after_capture_id=capture.id, before_fetched_at=before_capture.fetched_at,
                after_fetched_at=capture.fetched_at, detected_at=now, title=article.title,
                fields=list(change.fields), words_added=change.words_added, words_removed=change.words_removed,
                sentences_added=change.sentences_added, sentences_removed=change.sentences_removed,
                sentences_edited=change.sentences_edited, details=change.details))
            if row is not None and record is not None:
                session.flush()
                record(row, before_capture, capture)
            if row is not None and webhook_url:
                session.flush()
                queries.add_delivery(session, row.id, webhook_url, now=now)
            return row

    # ------------------------------------------------------------------ changes
    def changes(self, *, since: datetime | None = None, site: str | None = None, fields: Sequence[str] = (),
                min_words: int = 0, url: str | None = None, limit: int = 100) -> list[ChangeRecord]:
        """Detected changes, newest recapture first, filtered; ``fields``: any of these changed."""
        with self._session() as session:
            return queries.list_changes(session, since=since, site=site, fields=fields, min_words=min_words,
                                        url=url, limit=limit)

    def change(self, change_id: int) -> ChangeRecord | None:
        """The change with this id, or None."""
        with self._session() as session:
            return queries.get_change(session, change_id)

    def change_between(self, before_capture_id: int, after_capture_id: int) -> ChangeRecord | None:
        """The change recorded between these two captures, or None."""
        with self._session() as session:
            return queries.change_between(session, before_capture_id, after_capture_id)

    # ------------------------------------------------------------------ revisits
    def revisits(self, *, due_by: datetime | None = None, limit: int = 1000) -> list[Revisit]:
        """Planned revisits (not finished), soonest first; only those due by ``due_by`` when given."""
        with self._session() as session:
            return queries.list_revisits(session, due_by=due_by, limit=limit)

    def due_revisits(self, now: datetime, *, limit: int = 1000) -> list[Revisit]:
        """Revisits due at ``now`` and not leased, oldest due first."""
        with self._session() as session:
            return queries.due_revisits(session, now, limit=limit)

    def claim_revisit(self, revisit_id: int, *, owner: str, now: datetime, lease_until: datetime) -> bool:
        """Lease a due revisit, atomically; False when it is no longer due or another holds it."""
        with self._session() as session:
            return queries.claim_revisit(session, revisit_id, owner=owner, now=now, lease_until=lease_until)

    def renew_revisits(self, revisit_ids: Sequence[int], *, owner: str, lease_until: datetime) -> int:
        """Extend our leases of these revisits; how many we still hold."""
        with self._session() as session:
            return queries.renew_revisits(session, revisit_ids, owner=owner, lease_until=lease_until)

    def release_revisits(self, revisit_ids: Sequence[int], *, owner: str) -> None:
        """Give these revisits' leases back without moving their plans (the run did not happen)."""
        with self._session() as session:
            for revisit_id in revisit_ids:
                queries.release_revisit(session, revisit_id, owner=owner)

    def advance_revisits(self, revisit_ids: Sequence[int], *, owner: str,
                         next_step: Callable[[Revisit], tuple[int, datetime | None]]) -> None:
        """After a revisit run: move each plan to ``next_step(revisit)`` (step, due time) and give the lease back."""
        with self._session() as session:
            for revisit_id in revisit_ids:
                revisit = session.get(Revisit, revisit_id)
                if revisit is None:
                    continue
                step, due = next_step(revisit)
                queries.advance_revisit(session, revisit_id, owner=owner, step=step, next_due_at=due)

    # ------------------------------------------------------------------ webhook outbox
    def claim_deliveries(self, now: datetime, *, until: datetime,
                         limit: int = 100) -> list[tuple[WebhookDelivery, ChangeRecord]]:
        """Take the deliveries due at ``now`` (at most ``limit``) for one attempt each, with their changes.

        Each is claimed by moving its next attempt to ``until``; one another process took is left out.
        """
        with self._session() as session:
            claimed = []
            for delivery in queries.due_deliveries(session, now, limit=limit):
                if queries.claim_delivery(session, delivery, until=until):
                    change = queries.get_change(session, delivery.change_id)
                    if change is not None:
                        claimed.append((delivery, change))
            return claimed

    def finish_delivery(self, delivery_id: int, *, delivered_at: datetime | None, attempts: int,
                        next_attempt_at: datetime, gave_up: bool, error: str | None) -> None:
        """Record a delivery attempt's outcome."""
        with self._session() as session:
            queries.finish_delivery(session, delivery_id, delivered_at=delivered_at, attempts=attempts,
                                    next_attempt_at=next_attempt_at, gave_up=gave_up, error=error)
