"""What other rows say about captures, kept across ``reindex --from-scratch`` by WARC record id.

A reindex from scratch deletes every capture and makes them again from the WARC files, with
new ids. Rows that stay (crawl runs, revisit plans) pointed at the old ids: a capture's crawl
run, and the capture a revisit plan compares its next recapture with. Both are catalogue
facts, not page facts, and the WARC record id is what survives: :func:`keep_links` reads them
(before the captures go), :func:`restore_kept_links` puts them back on the new rows with the
same record ids. A catalogue made from nothing (no runs, no plans) has nothing to keep.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.catalogue.models import Capture, CrawlRun, Revisit

__all__ = ["KeptLinks", "keep_links", "restore_kept_links"]

_BATCH = 500


@dataclass
class KeptLinks:
    """Links to captures by their WARC record ids: each capture's crawl run, each revisit plan's watermark."""

    runs: dict[str, int] = field(default_factory=dict)  # record id -> crawl run id
    watermarks: dict[int, str] = field(default_factory=dict)  # revisit plan id -> record id


def keep_links(session: Session) -> KeptLinks:
    """The crawl run of every capture with a WARC record, and the watermark of every revisit plan."""
    kept = KeptLinks()
    for record_id, run_id in session.execute(
            select(Capture.record_id, Capture.crawl_run_id)
            .where(Capture.record_id.is_not(None), Capture.crawl_run_id.is_not(None))):
        if record_id is not None and run_id is not None:
            kept.runs[record_id] = run_id
    for plan_id, watermark in session.execute(
            select(Revisit.id, Capture.record_id).join(Capture, Capture.id == Revisit.last_capture_id)
            .where(Capture.record_id.is_not(None))):
        if watermark is not None:
            kept.watermarks[plan_id] = watermark
    return kept


def restore_kept_links(session: Session, kept: KeptLinks) -> int:
    """Put ``kept`` back on the captures with those record ids (runs that still exist); return how many
    record ids were given their run back."""""
    existing = set(session.scalars(select(CrawlRun.id)))
    by_run: dict[int, list[str]] = defaultdict(list)
    for record_id, run_id in kept.runs.items():
        if run_id in existing:
            by_run[run_id].append(record_id)
    moved = 0
    for run_id, record_ids in by_run.items():
        for start in range(0, len(record_ids), _BATCH):
            batch = record_ids[start:start + _BATCH]
            session.execute(update(Capture).where(Capture.record_id.in_(batch))
                            .values(crawl_run_id=run_id).execution_options(synchronize_session=False))
            moved += len(batch)
    for plan_id, record_id in kept.watermarks.items():
        capture_id = session.scalar(select(Capture.id).where(Capture.record_id == record_id).order_by(Capture.id)
                                    .limit(1))
        if capture_id is not None:
            session.execute(update(Revisit).where(Revisit.id == plan_id, Revisit.last_capture_id.is_(None))
                            .values(last_capture_id=capture_id).execution_options(synchronize_session=False))
    return moved
