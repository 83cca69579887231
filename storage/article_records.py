"""The WARC records of an extracted article: its text (``conversion``) and its fields (``metadata``).

Both refer to the page's response record (``WARC-Refers-To``); the metadata record is also
concurrent to the conversion record (``WARC-Concurrent-To``), which is how an export finds it.
Their target URIs are ``urn:text:<page URL>`` and ``urn:metadata:<page URL>``
(:mod:`storage.warc.uris`), so that no replay tool serves them in place of the page.
"""

from __future__ import annotations

import json

from storage.articles import ArticleData, article_metadata
from storage.warc.uris import METADATA, TEXT, record_uri
from storage.warc.writer import RecordLocation, WarcWriter

__all__ = ["write_article_records"]


def write_article_records(writer: WarcWriter, page_url: str, response_record_id: str,
                          data: ArticleData) -> RecordLocation | None:
    """Write ``data`` as a conversion record (when it has text) and a metadata record; return the conversion's place."""
    conversion = None
    if data.text:
        conversion = writer.write_record(
            "conversion", record_uri(TEXT, page_url), data.text.encode("utf-8"),
            content_type="text/plain; charset=utf-8", refers_to=response_record_id,
        )
    writer.write_record(
        "metadata", record_uri(METADATA, page_url),
        json.dumps(article_metadata(data), ensure_ascii=False, sort_keys=True).encode("utf-8"),
        content_type="application/json", refers_to=response_record_id,
        concurrent_to=conversion.record_id if conversion else None,
    )
    return conversion
