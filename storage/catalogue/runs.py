"""Catalogue reads and writes about crawl runs (beside :mod:`storage.catalogue.queries`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue.models import Capture, CrawlRun

__all__ = ["captured_urls", "list_runs", "merge_run_stats", "previous_run", "resume_chain"]


def list_runs(session: Session, *, limit: int | None = None, kind: str | None = None,
              schedule_id: int | None = None) -> Sequence[CrawlRun]:
    """Crawl runs, newest first (optionally of one kind, or of one schedule)."""
    statement = select(CrawlRun).order_by(CrawlRun.id.desc())
    if kind:
        statement = statement.where(CrawlRun.kind == kind)
    if schedule_id is not None:
        statement = statement.where(CrawlRun.schedule_id == schedule_id)
    if limit:
        statement = statement.limit(limit)
    return session.scalars(statement).all()


def previous_run(session: Session, name: str, *, before: int | None = None) -> CrawlRun | None:
    """The newest run called ``name`` (older than run id ``before``, when given)."""
    statement = select(CrawlRun).where(CrawlRun.name == name)
    if before is not None:
        statement = statement.where(CrawlRun.id < before)
    return session.scalars(statement.order_by(CrawlRun.id.desc()).limit(1)).first()


def resume_chain(session: Session, run_id: int) -> list[int]:
    """``run_id`` and the runs it resumed, transitively (settings ``resumed_from``), newest first."""
    chain: list[int] = []
    current: int | None = run_id
    while current is not None and current not in chain:
        run = session.get(CrawlRun, current)
        if run is None:
            break
        chain.append(run.id)
        current = (run.settings or {}).get("resumed_from")
    return chain


def captured_urls(session: Session, run_ids: Sequence[int]) -> set[str]:
    """URLs (requested and final) that got an HTTP response in any of these runs."""
    if not run_ids:
        return set()
    rows = session.execute(
        select(Capture.requested_url, Capture.url)
        .where(Capture.crawl_run_id.in_(list(run_ids)), Capture.status.is_not(None))
    ).all()
    return {url for row in rows for url in row}


def merge_run_stats(session: Session, run_id: int, stats: Mapping[str, Any], *,
                    status: str | None = None) -> None:
    """Merge ``stats`` into a run's stats (and set its status, when given)."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        return
    run.stats = {**(run.stats or {}), **dict(stats)}
    if status is not None:
        run.status = status
