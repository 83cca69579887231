"""The JSON shapes the CLI's ``--json`` prints and the web API answers with: one definition each.

Captures are ``archiver show --json`` objects, search hits ``archiver search --json``,
history entries ``archiver history --json``, diffs ``archiver diff --json``, runs
``archiver runs --json`` and schedules ``archiver schedule list --json``.
"""

from __future__ import annotations

import json
import socket
from datetime import datetime
from typing import Any

from archiver.core.textdiff import diff_sentences, diff_words
from archiver.services.versions import COMPARED_FIELDS, HistoryEntry
from storage.articles import ArticleData
from storage.catalogue import Article, Capture, Catalogue, CrawlRun, Schedule, SearchHit, split_marks, utcnow
from storage.export.records import article_record
from storage.processes import process_alive
from storage.timefmt import format_iso

__all__ = ["RECORD_ARTICLE_FIELDS", "capture_record", "diff_record", "entry_record", "hit_record", "run_record",
           "run_status", "schedule_record", "schedule_records", "side_record"]


#: The article's fields in a capture's JSON object, in this order: :class:`ArticleData` fields
#: and the catalogue's derived ``author`` (the text is added on request, the rest is left out).
RECORD_ARTICLE_FIELDS = ("title", "author", "authors", "published", "modified", "sitename", "language",
                         "description", "canonical_url", "word_count", "listing")


def capture_record(capture: Capture, article: Article | None, *, with_text: bool = False) -> dict[str, Any]:
    """A capture (and its article) as the JSON object every command prints."""
    record: dict[str, Any] = {
        "id": capture.id,
        "url": capture.requested_url,
        "final_url": capture.url,
        "status": capture.status,
        "content_type": capture.content_type,
        "fetched_at": format_iso(capture.fetched_at),
    }
    shown = article if article is not None else ArticleData()  # no article: the fields' defaults
    for name in RECORD_ARTICLE_FIELDS:
        value = getattr(shown, name, None)
        record[name] = list(value) if name == "authors" else (value or None) if name == "listing" else value
    record.update({
        "warc_file": capture.warc_file,
        "warc_offset": capture.warc_offset,
        "warc_length": capture.warc_length,
        "record_type": capture.record_type,
        "payload_digest": capture.payload_digest,
        "revisit_of": capture.revisit_of_id,
        "truncated": capture.truncated,
        "flags": list(capture.flags or []),
        "redirect_location": capture.redirect_location,
        "error": capture.error,
    })
    if with_text:
        record["text"] = article.text if article else None
    return record


def hit_record(hit: SearchHit) -> dict[str, Any]:
    """A search result as JSON: the article's fields (no text), the snippet, highlights and score."""
    record = article_record(hit.capture, hit.article, with_text=False)
    snippet, spans = split_marks(hit.snippet)
    record["snippet"] = snippet
    record["highlights"] = [list(span) for span in spans]
    record["score"] = None if hit.score is None else round(-hit.score, 6)  # higher is better
    return record


def entry_record(entry: HistoryEntry) -> dict[str, Any]:
    """One history entry as JSON."""
    capture, article = entry.capture, entry.article
    return {
        "capture_id": capture.id,
        "url": capture.url,
        "requested_url": capture.requested_url,
        "fetched_at": format_iso(capture.fetched_at),
        "status": capture.status,
        "record_type": capture.record_type,
        "payload_digest": capture.payload_digest,
        "revisit_of": capture.revisit_of_id,
        "truncated": capture.truncated,
        "flags": list(capture.flags or []),
        "error": capture.error,
        "title": article.title if article else None,
        "word_count": article.word_count if article else None,
        "change": entry.change,
        "text_changed": entry.text_changed,
        "fields_changed": entry.fields_changed,
    }


def side_record(capture: Capture) -> dict[str, Any]:
    return {"capture_id": capture.id, "fetched_at": format_iso(capture.fetched_at),
            "payload_digest": capture.payload_digest,
            "title": capture.article.title if capture.article else None}


def diff_record(old: Capture, new: Capture) -> dict[str, Any]:
    """The differences between two captures' articles as JSON-ready data."""
    a, b = old.article, new.article
    assert a is not None and b is not None
    fields = [{"field": name, "old": getattr(a, name), "new": getattr(b, name)}
              for name in COMPARED_FIELDS if getattr(a, name) != getattr(b, name)]
    changes = []
    for change in diff_sentences(a.text, b.text):
        item: dict[str, Any] = {"op": change.op, "old_index": change.old_index, "new_index": change.new_index,
                                "old": change.old, "new": change.new}
        if change.pairs:
            item["words"] = [{"old": i, "new": j, "segments": [vars(s) for s in diff_words(change.old[i],
                                                                                         change.new[j])]}
                             for i, j in change.pairs]
        changes.append(item)
    summary = {"removed": sum(len(c["old"]) for c in changes), "added": sum(len(c["new"]) for c in changes)}
    return {"url": new.url, "from": side_record(old), "to": side_record(new), "fields": json.loads(json.dumps(fields)),
            "changes": changes, "sentences": summary}


def run_status(run: CrawlRun) -> str:
    """The run's status; a run left "running" by a process that is gone shows as ``killed``."""
    if run.status == "running" and run.hostname == socket.gethostname() and not process_alive(run.pid):
        return "killed"
    return run.status


def run_record(run: CrawlRun, *, detail: bool = False) -> dict[str, Any]:
    """A crawl run as the JSON object ``runs`` prints."""
    settings = run.settings or {}
    stats = run.stats or {}
    record: dict[str, Any] = {
        "id": run.id,
        "name": run.name,
        "kind": run.kind,
        "start": settings.get("start") or settings.get("urls"),
        "status": run_status(run),
        "started_at": format_iso(run.started_at),
        "finished_at": format_iso(run.finished_at),
        "duration": (run.finished_at - run.started_at).total_seconds() if run.finished_at else None,
        "counts": dict(stats.get("counts") or {}),
        "resumed_from": settings.get("resumed_from"),
    }
    if detail:
        record.update({
            "options": settings.get("options") or {k: v for k, v in settings.items() if k != "options"},
            "close_reason": stats.get("close_reason"),
            "hostname": run.hostname,
            "pid": run.pid,
            "robots_refused": list(stats.get("archiver/crawl/robots_urls") or []),
            "stats": {k: v for k, v in stats.items() if k != "counts"},
        })
    return record


def schedule_records(catalogue: Catalogue, *, flag_after: int) -> list[dict[str, Any]]:
    """Every schedule with its last run and failure streak: ``schedule list --json``, and the web API's list."""
    return [schedule_record(schedule, last=last, failing=failing, flag_after=flag_after)
            for schedule, last, failing in catalogue.schedules_overview(flag_after=flag_after)]


def schedule_record(schedule: Schedule, *, last: CrawlRun | None = None, failing: int = 0, flag_after: int = 0,
            next_runs: list[datetime] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": schedule.id,
        "name": schedule.name,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "crawl_args": list(schedule.crawl_args),
        "time_limit": schedule.time_limit,
        "paused": schedule.paused,
        "next_run_at": format_iso(schedule.next_run_at),
        "last_run_at": format_iso(schedule.last_run_at),
        "running": bool(schedule.lease_owner and schedule.lease_expires_at and schedule.lease_expires_at > utcnow()),
        "lease_owner": schedule.lease_owner,
        "lease_expires_at": format_iso(schedule.lease_expires_at),
        "created_at": format_iso(schedule.created_at),
        "updated_at": format_iso(schedule.updated_at),
        "last_run": {"id": last.id, "status": last.status, "started_at": format_iso(last.started_at),
                     "finished_at": format_iso(last.finished_at)} if last else None,
        "failed_runs_in_a_row": failing,
        "flagged": flag_after > 0 and failing >= flag_after,
    }
    if next_runs is not None:
        record["next_runs"] = [format_iso(moment) for moment in next_runs]
    return record
