"""Silent-edit watch in the catalogue: revisit plans, detected changes and the webhook outbox.

Every query the watch needs lives here; the application computes times and differences and
calls these functions (the CLI and web layer build no SQL).

Revisits are leased like schedules (:mod:`storage.catalogue.schedules`): :func:`claim_revisit`
is one conditional ``UPDATE`` that matches only a due revisit whose lease is free or expired,
so two schedulers never fetch one URL at once. Webhook deliveries are claimed the same way
(:func:`claim_delivery` moves ``next_attempt_at`` past the attempt), so one POST per attempt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, bindparam, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.catalogue.hosts import host_key, host_key_condition
from storage.catalogue.inserts import insert_row
from storage.catalogue.models import Article, Capture, ChangeRecord, Revisit, WebhookDelivery

__all__ = [
    "add_change", "add_delivery", "advance_revisit", "article_of", "capture_with_article", "change_between",
    "claim_delivery", "claim_revisit", "due_deliveries", "due_revisits", "finish_delivery", "get_change",
    "get_revisit", "list_changes", "list_revisits", "move_watermark", "plan_revisit", "release_revisit",
    "renew_revisits", "site_texts", "url_key",
]


# ---------------------------------------------------------------------- revisits
def url_key(url: str) -> str:
    """The key a revisit plan is unique by: the URL's SHA-1 (hex)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


# Built once: a crawl runs these for every article it archives, and most URLs have no plan yet.
_ANY_REVISIT = select(Revisit.id).where(Revisit.url_key == bindparam("key"))
_CAPTURE_WITH_ARTICLE = (select(Capture.url, Capture.fetched_at).join(Article, Article.capture_id == Capture.id)
                         .where(Capture.id == bindparam("capture_id")))


def get_revisit(session: Session, url: str) -> Revisit | None:
    """The revisit plan of ``url``, or None."""
    key = url_key(url)
    if session.execute(_ANY_REVISIT, {"key": key}).first() is None:
        return None
    return session.scalars(select(Revisit).where(Revisit.url_key == key)).one_or_none()


def plan_revisit(session: Session, *, url: str, policy: Sequence[float], first_archived_at: datetime,
                 next_due_at: datetime | None, capture_id: int) -> Revisit | None:
    """Start the revisit plan of a URL archived for the first time; None when another process just did.

    Then the session's transaction is rolled back, so call it last in the transaction (a
    savepoint around every plan, for a conflict that hardly ever happens, cost a quarter of
    the watch's catalogue time in a crawl).
    """
    revisit = Revisit(url=url, url_key=url_key(url), host_key=host_key(url), policy=list(policy), step=0,
                      first_archived_at=first_archived_at, next_due_at=next_due_at, last_capture_id=capture_id)
    try:
        insert_row(session, revisit)
    except IntegrityError:
        session.rollback()
        return None
    return revisit


def move_watermark(session: Session, revisit_id: int, *, previous: int | None, capture_id: int) -> bool:
    """Make ``capture_id`` the capture the next recapture is compared with; False if another moved it first."""
    condition = Revisit.last_capture_id.is_(None) if previous is None else Revisit.last_capture_id == previous
    result = session.execute(update(Revisit).where(Revisit.id == revisit_id, condition)
                             .values(last_capture_id=capture_id).execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(Revisit.lease_owner.is_(None), Revisit.lease_expires_at.is_(None), Revisit.lease_expires_at <= now)


def due_revisits(session: Session, now: datetime, *, limit: int = 1000) -> list[Revisit]:
    """Revisits due at ``now`` and not leased, oldest due first."""
    return list(session.scalars(
        select(Revisit).where(Revisit.next_due_at.is_not(None), Revisit.next_due_at <= now, _lease_free(now))
        .order_by(Revisit.next_due_at, Revisit.id).limit(limit)))


def list_revisits(session: Session, *, due_by: datetime | None = None, limit: int = 1000) -> list[Revisit]:
    """Planned revisits (not finished), soonest first; only those due by ``due_by`` when given."""
    query = select(Revisit).where(Revisit.next_due_at.is_not(None))
    if due_by is not None:
        query = query.where(Revisit.next_due_at <= due_by)
    return list(session.scalars(query.order_by(Revisit.next_due_at, Revisit.id).limit(limit)))


def claim_revisit(session: Session, revisit_id: int, *, owner: str, now: datetime, lease_until: datetime) -> bool:
    """Lease a due revisit, atomically; False when it is no longer due or another holds it."""
    result = session.execute(
        update(Revisit)
        .where(Revisit.id == revisit_id, Revisit.next_due_at.is_not(None), Revisit.next_due_at <= now,
               _lease_free(now))
        .values(lease_owner=owner, lease_expires_at=lease_until)
        .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def renew_revisits(session: Session, ids: Sequence[int], *, owner: str, lease_until: datetime) -> int:
    """Extend our leases of revisits ``ids``; how many we still hold."""
    result = session.execute(update(Revisit).where(Revisit.id.in_(list(ids)), Revisit.lease_owner == owner)
                             .values(lease_expires_at=lease_until).execution_options(synchronize_session=False))
    return int(cast("CursorResult[Any]", result).rowcount)


def advance_revisit(session: Session, revisit_id: int, *, owner: str, step: int, next_due_at: datetime | None) -> bool:
    """After a revisit ran: move to ``step`` and its due time (None: plan over) and give the lease back."""
    result = session.execute(
        update(Revisit).where(Revisit.id == revisit_id, Revisit.lease_owner == owner)
        .values(step=step, next_due_at=next_due_at, lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def release_revisit(session: Session, revisit_id: int, *, owner: str) -> bool:
    """Give a revisit's lease back without moving its plan (the run did not happen)."""
    result = session.execute(
        update(Revisit).where(Revisit.id == revisit_id, Revisit.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None).execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


# ---------------------------------------------------------------------- articles compared
def capture_with_article(session: Session, capture_id: int) -> tuple[str, datetime] | None:
    """``(url, fetched_at)`` of a capture that has an article, or None; loads neither row."""
    row = session.execute(_CAPTURE_WITH_ARTICLE, {"capture_id": capture_id}).first()
    return (row[0], row[1]) if row else None


def article_of(session: Session, capture_id: int) -> tuple[Capture, Article] | None:
    """A capture and its article, or None when it has none."""
    row = session.execute(select(Capture, Article).join(Article, Article.capture_id == Capture.id)
                          .where(Capture.id == capture_id)).first()
    return (row[0], row[1]) if row else None


def site_texts(session: Session, site_key: str | None, *, exclude_url: str, limit: int = 20) -> list[str | None]:
    """Texts of the latest articles of up to ``limit`` other pages of the same host, one per page.

    For spotting the boilerplate pages share; reads at most ``3 * limit`` of the host's latest articles.
    """
    if not site_key:
        return []
    rows = session.execute(
        select(Capture.url, Article.text).join(Capture, Article.capture_id == Capture.id)
        .where(Capture.host_key == site_key, Capture.url != exclude_url)
        .order_by(Capture.id.desc()).limit(3 * limit)).all()
    latest: dict[str, str | None] = {}
    for url, text in rows:
        latest.setdefault(url, text)
    return list(latest.values())[:limit]


# ---------------------------------------------------------------------- changes
def add_change(session: Session, change: ChangeRecord) -> ChangeRecord | None:
    """Insert a change row; None when that recapture already has one (recorded by another process)."""
    try:
        with session.begin_nested():
            session.add(change)
    except IntegrityError:
        return None
    return change


def change_between(session: Session, before_capture_id: int, after_capture_id: int) -> ChangeRecord | None:
    """The change recorded between these two captures, or None."""
    return session.scalars(select(ChangeRecord).where(ChangeRecord.before_capture_id == before_capture_id,
                                                      ChangeRecord.after_capture_id == after_capture_id)).first()


def get_change(session: Session, change_id: int) -> ChangeRecord | None:
    """The change with this id, or None."""
    return session.get(ChangeRecord, change_id)


def list_changes(session: Session, *, since: datetime | None = None, site: str | None = None,
                 fields: Sequence[str] = (), min_words: int = 0, url: str | None = None,
                 limit: int = 100) -> list[ChangeRecord]:
    """Detected changes, newest recapture first, filtered; ``fields``: any of these changed."""
    query = select(ChangeRecord)
    if since is not None:
        query = query.where(ChangeRecord.after_fetched_at >= since)
    if site:
        query = query.where(host_key_condition(ChangeRecord.host_key, site))
    if url:
        query = query.where(ChangeRecord.url == url)
    if min_words:
        query = query.where(ChangeRecord.words_added + ChangeRecord.words_removed >= min_words)
    query = query.order_by(ChangeRecord.after_fetched_at.desc(), ChangeRecord.id.desc())
    if not fields:
        return list(session.scalars(query.limit(limit)))
    # JSON list membership differs per database: filter in Python, reading in pages.
    wanted, offset = set(fields), 0
    found: list[ChangeRecord] = []
    while len(found) < limit:
        page = list(session.scalars(query.offset(offset).limit(500)))
        found.extend(c for c in page if wanted.intersection(c.fields))
        if len(page) < 500:
            break
        offset += 500
    return found[:limit]


# ---------------------------------------------------------------------- webhook outbox
def add_delivery(session: Session, change_id: int, target_url: str, *, now: datetime) -> None:
    """Queue the POST of change ``change_id`` to ``target_url``."""
    session.add(WebhookDelivery(change_id=change_id, target_url=target_url, attempts=0, next_attempt_at=now))


def due_deliveries(session: Session, now: datetime, *, limit: int = 100) -> list[WebhookDelivery]:
    """Deliveries to attempt now: not delivered, not given up, their time come."""
    return list(session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.delivered_at.is_(None), WebhookDelivery.gave_up == false(),
                                      WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def claim_delivery(session: Session, delivery: WebhookDelivery, *, until: datetime) -> bool:
    """Take a delivery for one attempt (moves its time to ``until``); False when another took it."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id, WebhookDelivery.next_attempt_at == delivery.next_attempt_at,
               WebhookDelivery.delivered_at.is_(None))
        .values(next_attempt_at=until).execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def finish_delivery(session: Session, delivery_id: int, *, delivered_at: datetime | None, attempts: int,
                    next_attempt_at: datetime, gave_up: bool, error: str | None) -> None:
    """Record an attempt's outcome."""
    values: dict[str, Any] = {"attempts": attempts, "next_attempt_at": next_attempt_at, "gave_up": gave_up,
                              "last_error": error, "delivered_at": delivered_at}
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
                    .execution_options(synchronize_session=False))
