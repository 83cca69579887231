"""What a crawl decided a page is, kept in the WARC so that a reindex decides the same.

A ``--site`` crawl archives every page it fetches but hands on as articles only the pages that
look like articles; section and index pages are followed for their links. That decision is
made on the live crawl (by the spider) and cannot be made again from the catalogue alone: a
reindex that finds a 2xx HTML response without an article extracts one. So the crawl writes
it down, as a ``metadata`` record with ``WARC-Target-URI: urn:pagekind:<page url>``,
``WARC-Refers-To`` the page's response record and a JSON body::

    {"page": URL, "page_record_id": "<urn:uuid:...>", "kind": "index"}

:func:`record_page_kind` writes it; :func:`not_article_record_ids` reads a file's records back
into the response record ids a reindex must not extract an article from.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from storage.warc.uris import PAGE_KIND, record_uri

if TYPE_CHECKING:
    from storage.warc.reader import ArchivedRecord
    from storage.warc.writer import WarcWriter

__all__ = ["INDEX", "PAGE_KIND_URN", "is_page_kind_record", "not_article_record_ids", "record_page_kind"]

log = logging.getLogger(__name__)

#: Prefix of the target URI of a page-kind record.
PAGE_KIND_URN = f"urn:{PAGE_KIND}:"
#: The kind of a page followed for its links and not catalogued as an article (a section, the home page).
INDEX = "index"


def record_page_kind(writer: WarcWriter, *, page_url: str, page_record_id: str, kind: str) -> str:
    """Write the ``urn:pagekind:`` record saying the page of ``page_record_id`` is a ``kind`` page; its id."""
    body = {"page": page_url, "page_record_id": page_record_id, "kind": kind}
    location = writer.write_record(
        "metadata", record_uri(PAGE_KIND, page_url), json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json", refers_to=page_record_id,
    )
    return location.record_id


def is_page_kind_record(record: ArchivedRecord) -> bool:
    """True for a record written by :func:`record_page_kind`."""
    return record.record_type == "metadata" and (record.target_uri or "").startswith(PAGE_KIND_URN)


def not_article_record_ids(records: Iterable[ArchivedRecord]) -> set[str]:
    """The response record ids these page-kind records say are not articles."""
    found: set[str] = set()
    for record in records:
        try:
            body = json.loads(record.payload)
        except ValueError:
            log.warning("page-kind record %s is not JSON: skipped", record.record_id)
            continue
        if not isinstance(body, dict) or body.get("kind") != INDEX:
            continue
        page = body.get("page_record_id") or record.header("WARC-Refers-To")
        if isinstance(page, str) and page:
            found.add(page)
    return found
