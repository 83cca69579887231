"""ArticleData is the one declaration of an article's fields: the model, the extractor and the outputs agree."""

from __future__ import annotations

from dataclasses import fields

from archiver.cli.common import RECORD_ARTICLE_FIELDS
from archiver.crawler.pipelines import RESULT_TO_ARTICLE, article_data
from archiver.extraction import ExtractionResult
from storage.articles import (
    ARTICLE_COLUMNS,
    ARTICLE_FIELDS,
    CONVERSION_COLUMNS,
    DERIVED_COLUMNS,
    ArticleData,
    article_metadata,
    article_row,
)
from storage.catalogue.models import Article


def test_the_articles_table_has_a_column_for_each_field_and_no_other():
    columns = {column.key for column in Article.__table__.columns}
    missing = set(ARTICLE_FIELDS) - columns
    assert not missing, f"ArticleData fields without an articles column: {sorted(missing)} (add a migration)"
    unexplained = columns - {"id", "capture_id", *ARTICLE_FIELDS, *DERIVED_COLUMNS, *CONVERSION_COLUMNS}
    assert not unexplained, f"articles columns not declared by ArticleData: {sorted(unexplained)}"
    assert set(ARTICLE_COLUMNS) == {*ARTICLE_FIELDS, *DERIVED_COLUMNS, *CONVERSION_COLUMNS}


def test_each_extraction_result_field_is_an_article_field():
    result_fields = [RESULT_TO_ARTICLE.get(f.name, f.name) for f in fields(ExtractionResult)]
    assert set(result_fields) <= set(ARTICLE_FIELDS), set(result_fields) - set(ARTICLE_FIELDS)
    assert set(ARTICLE_FIELDS) - set(result_fields) == {"listing"}  # the only field the page does not give


def test_the_json_record_shows_article_fields_or_derived_columns():
    assert set(RECORD_ARTICLE_FIELDS) <= {*ARTICLE_FIELDS, *DERIVED_COLUMNS}


RESULT = ExtractionResult(text="Body.\n\nMore.", title="T", authors=("A B", "C D"),
                          published="2024-05-01T12:00:00+02:00", modified="2024-05-02", sitename="Site",
                          language="en", description="D",
                          canonical_url="https://news.example/a", image="https://news.example/a.jpg", tags=("x", "y"),
                          fingerprint="f" * 16, word_count=2, sources={"title": "json-ld"}, extractor="trafilatura 9")


def test_article_data_copies_every_result_field():
    data = article_data(RESULT, {"title": "Listed"})
    assert data == ArticleData(title="T", authors=["A B", "C D"], published="2024-05-01T12:00:00+02:00",
                               modified="2024-05-02", sitename="Site", language="en", description="D",
                               canonical_url="https://news.example/a", image="https://news.example/a.jpg",
                               tags=["x", "y"], text="Body.\n\nMore.", word_count=2, fingerprint="f" * 16,
                               extractor="trafilatura 9", field_sources={"title": "json-ld"},
                               listing={"title": "Listed"})
    assert RESULT.sources == {"title": "json-ld"}  # the result is not changed by the listing's fallbacks


def test_article_row_has_every_field_and_the_derived_columns():
    data = article_data(RESULT)
    row = article_row(7, data)
    assert row.capture_id == 7
    for name in ARTICLE_FIELDS:
        expected = getattr(data, name) or (None if name == "listing" else getattr(data, name))
        assert getattr(row, name) == expected, name
    assert row.author == "A B; C D" and row.published_at.isoformat() == "2024-05-01T10:00:00+00:00"
    assert row.authors is not data.authors and row.field_sources is not data.field_sources


def test_metadata_record_is_every_field_but_the_text():
    metadata = article_metadata(article_data(RESULT))
    assert list(metadata) == [name for name in ARTICLE_FIELDS if name != "text"]
