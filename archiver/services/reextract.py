"""Run extraction again over archived captures, after the extractor has improved.

Each selected capture's payload is read from its WARC record (one seek), extracted, and
compared with the stored article. Only a changed result is written: new ``conversion`` and
``metadata`` records through the WARC writer, and the ``articles`` row updated in place
(:func:`storage.article_update.replace_article`). Running it twice changes nothing the
second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from archiver.crawler.pipelines import article_data
from archiver.extraction import extract
from storage import Archive, StorageError
from storage.article_update import article_changes, replace_article
from storage.catalogue import Capture
from storage.flags import not_an_article
from storage.warc import decode_payload

__all__ = ["Change", "ReextractResult", "reextract", "select_captures"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One capture whose article was rewritten, and which fields changed."""

    capture_id: int
    url: str
    fields: list[str]


@dataclass
class ReextractResult:
    """What a re-extraction run did."""

    captures: int = 0
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {"captures": self.captures, "changed": len(self.changed), "unchanged": self.unchanged,
                "failed": len(self.failed), "changes": [{"id": c.capture_id, "url": c.url, "fields": c.fields}
                                                       for c in self.changed],
                "problems": list(self.failed)}


def select_captures(archive: Archive, *, host: str | None = None, since: datetime | None = None,
                    url: str | None = None) -> list[Capture]:
    """The captures a run would go over (2xx HTML responses with a WARC record, none flagged ``blocked``)."""
    return [capture for capture in archive.catalogue.extractable_captures(host=host, since=since, url=url)
            if not not_an_article(capture.flags)]


def reextract(archive: Archive, captures: list[Capture], *,
              progress: Callable[[Capture], None] | None = None) -> ReextractResult:
    """Extract ``captures`` again from their WARC payloads; rewrite the articles that changed."""
    result = ReextractResult(captures=len(captures))
    for capture in captures:
        try:
            record = archive.read(capture)
            extracted = extract(decode_payload(record), capture.url, content_type=capture.content_type)
            data = article_data(extracted, capture.article.listing if capture.article else None)
            changed = article_changes(capture.article, data)
            if changed:
                replace_article(archive, capture, data)
                result.changed.append(Change(capture.id, capture.url, changed))
                log.info("capture %d: %s changed", capture.id, ", ".join(changed))
            else:
                result.unchanged += 1
        except StorageError as exc:
            log.warning("cannot re-extract capture %d: %s", capture.id, exc)
            result.failed.append(f"capture {capture.id} ({capture.url}): {exc}")
        if progress is not None:
            progress(capture)
    return result
