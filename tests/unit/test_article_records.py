"""The article's ``conversion`` and ``metadata`` records: ``urn:<kind>:<url>`` target URIs, linked to the
response; archives written before (the page URL as target URI) still reindex and verify."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from support.catalogue_samples import page

from archiver.services.reindex import reindex
from storage import Archive, ArticleData, StorageConfig
from storage.articles import article_metadata
from storage.catalogue import queries
from storage.verify import verify_catalogue, verify_files
from storage.warc import WarcWriter, iter_records
from storage.warc.uris import METADATA, TEXT, RecordUri, page_url, parse_record_uri, record_uri

URL = "https://news.example/2024/05/06/pier-closed?page=2"
OLD_URL = "https://news.example/2019/01/02/old-story"
DATA = ArticleData(title="Pier stays closed", authors=["Ann Ek"], text="The pier stays closed.", word_count=4)


def test_record_uris_are_made_and_parsed_back() -> None:
    assert record_uri(TEXT, URL) == f"urn:text:{URL}"
    assert parse_record_uri(f"urn:metadata:{URL}") == RecordUri(METADATA, URL)
    assert parse_record_uri("urn:fullPage:http://a.example/") == RecordUri("fullPage", "http://a.example/")
    for other in (URL, "urn:uuid:0d9c6f2e-6c41-4d1c-9d0b-2f1a3e5b7c9d", "urn:text:", "urn:text:relative/path",
                  "dns:news.example"):
        assert parse_record_uri(other) is None, other
        assert page_url(other) == other
    assert page_url(record_uri(TEXT, URL)) == URL
    with pytest.raises(ValueError):
        record_uri("no spaces", URL)
    with pytest.raises(ValueError):
        record_uri(TEXT, "/relative")


def test_article_records_name_the_page_by_urn_and_refer_to_the_response(archive: Archive) -> None:
    request, response = page(URL, "<html><title>Pier</title><p>The pier stays closed.</p></html>")
    capture = archive.record_exchange(URL, request, response)
    archive.record_article(capture, DATA)
    archive.close()
    records = {r.record_type: r for path in archive.config.warc_dir.glob("*.warc.gz") for r in iter_records(path)}
    conversion, metadata = records["conversion"], records["metadata"]
    assert records["response"].target_uri == URL
    assert conversion.target_uri == f"urn:text:{URL}" and metadata.target_uri == f"urn:metadata:{URL}"
    assert conversion.header("WARC-Refers-To") == metadata.header("WARC-Refers-To") == capture.record_id
    assert metadata.header("WARC-Concurrent-To") == conversion.record_id
    assert conversion.payload.decode() == DATA.text
    assert json.loads(metadata.payload)["title"] == DATA.title


def _write_old_form_file(config: StorageConfig) -> str:
    """A WARC as the archiver wrote it before: conversion and metadata records target the page URL itself."""
    request, response = page(OLD_URL, "<html><title>Old</title><p>An old story.</p></html>")
    old = ArticleData(title="An old story", text="An old story, extracted long ago.", word_count=6)
    with WarcWriter(config.warc_dir, prefix="OLD", fsync_interval=0) as writer:
        exchange = writer.write_exchange(OLD_URL, request, response, fetched_at=datetime(2019, 1, 2, tzinfo=UTC))
        conversion = writer.write_record("conversion", OLD_URL, (old.text or "").encode(),
                                         content_type="text/plain; charset=utf-8",
                                         refers_to=exchange.response.record_id)
        writer.write_record("metadata", OLD_URL, json.dumps(article_metadata(old)).encode(),
                            content_type="application/json", refers_to=exchange.response.record_id,
                            concurrent_to=conversion.record_id)
    written = {r.record_type: r.target_uri for r in iter_records(writer.closed_files[0])}
    assert written["conversion"] == written["metadata"] == written["response"] == OLD_URL
    return exchange.response.record_id


def test_reindex_and_verify_read_both_target_uri_forms(storage_config: StorageConfig) -> None:
    old_record_id = _write_old_form_file(storage_config)
    with Archive(storage_config) as archive:
        request, response = page(URL, "<html><title>Pier</title><p>The pier stays closed.</p></html>")
        capture = archive.record_exchange(URL, request, response)
        archive.record_article(capture, DATA)
    with Archive(storage_config) as archive:
        result = reindex(archive, from_scratch=True)
        assert result.captures_added == 2 and result.articles_added == 2 and not result.problems
        with archive.db.session() as session:
            old = queries.capture_by_record_id(session, old_record_id)
            new = queries.capture_by_record_id(session, capture.record_id)
            assert old.article.title == "An old story" and old.article.text == "An old story, extracted long ago."
            assert new.article.title == DATA.title and new.article.text == DATA.text
            assert new.article.conversion_record_id is not None
            assert [p for _id, problems in verify_catalogue(session, archive.config.warc_dir) for p in problems] == []
            assert [p for _name, problems in verify_files(session, archive.config.warc_dir, deep=True)
                    for p in problems] == []
