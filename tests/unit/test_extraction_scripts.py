"""The fallback body from script data (archiver.extraction.scripts), on pages written here."""

from __future__ import annotations

import json

import pytest

from archiver.extraction import extract
from archiver.extraction.scripts import next_data_paragraphs, text_paragraphs

PARAGRAPHS = [
    "The harbour authority said on Monday that the northern pier would stay closed for at least "
    "another week while divers inspect the foundations damaged in the storm.",
    "Fishermen who depend on the pier told reporters that the closure was costing them most of "
    "their weekly catch, and asked the town council for emergency support.",
    "Engineers from the regional government arrived on Sunday evening and began mapping the "
    "cracks along the seaward wall with underwater cameras and sonar.",
]
URL = "https://www.harbourtimes.example/2024/05/06/pier-closed"
ARTICLE = {"@type": "NewsArticle", "headline": "Pier stays closed after storm",
           "author": {"@type": "Person", "name": "Ann Ek"}, "datePublished": "2024-05-06T07:00:00+02:00"}


def shell(head: str = "", scripts: str = "") -> str:
    """A client-rendered page: metadata in the head, an empty app root, data in scripts."""
    return (f"<!DOCTYPE html><html lang='en'><head><title>Pier stays closed after storm</title>{head}</head>"
            f"<body><div id='__next'></div>{scripts}</body></html>")


def jsonld(data: object) -> str:
    """A JSON-LD script element."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def next_data(data: object) -> str:
    """A Next.js data script element."""
    return f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'


def test_jsonld_article_body_is_the_fallback() -> None:
    page = shell(jsonld({**ARTICLE, "articleBody": "\n".join(PARAGRAPHS)}))
    result = extract(page, URL)
    assert result.text == "\n\n".join(PARAGRAPHS)
    assert result.sources["text"] == "json-ld"
    assert result.title == "Pier stays closed after storm"
    assert result.authors == ("Ann Ek",)
    assert result.published == "2024-05-06T07:00:00+02:00"
    assert result.word_count > 60 and result.fingerprint


def test_next_data_html_string_body() -> None:
    html_body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "<figure><figcaption>Photo: the pier</figcaption></figure>"
    data = {"props": {"pageProps": {"story": {
        "headline": "Pier stays closed after storm",
        "description": "A short teaser about the pier that must not become the body of the page.",
        "content": {"html": html_body}}}}}
    result = extract(shell(jsonld(ARTICLE), next_data(data)), URL)
    assert result.text == "\n\n".join(PARAGRAPHS)
    assert result.sources["text"] == "next-data"
    assert "Photo: the pier" not in result.text


def test_next_data_skips_related_teasers_and_prefers_the_longest_run() -> None:
    related = [{"title": f"Other story {i}", "teaser": "A teaser sentence about another story entirely here."}
               for i in range(30)]
    data = {"props": {"pageProps": {
        "related": related,
        "article": {"blocks": [{"kind": "text", "value": p} for p in PARAGRAPHS]},
        "sidebar": [{"text": "Short list item one two three four five six"},
                    {"text": "Short list item seven eight nine ten eleven twelve"}]}}}
    assert next_data_paragraphs(json.dumps(data)) == PARAGRAPHS


def test_next_data_rich_text_blocks_keep_their_inline_runs_together() -> None:
    def slate(paragraph: str) -> dict:
        head, tail = paragraph.split(" the ", 1)
        return {"type": "paragraph", "children": [{"text": head + " "}, {"text": "the", "bold": True},
                                                  {"text": " " + tail}]}

    def contentful(paragraph: str) -> dict:
        return {"nodeType": "paragraph", "content": [{"nodeType": "text", "value": paragraph, "marks": []}]}

    assert next_data_paragraphs(json.dumps({"props": {"body": [slate(p) for p in PARAGRAPHS]}})) == PARAGRAPHS
    document = {"props": {"entry": {"body": {"nodeType": "document", "content": [contentful(p) for p in PARAGRAPHS]}}}}
    assert next_data_paragraphs(json.dumps(document)) == PARAGRAPHS
    nested = {"props": {"entries": [{"nodeType": "document", "content": [contentful(p) for p in PARAGRAPHS]}]}}
    assert next_data_paragraphs(json.dumps(nested)) == PARAGRAPHS  # blocks stay apart


def test_markup_body_wins_over_script_data() -> None:
    body = "<article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article>"
    other = "Entirely different words that sit only in the JSON-LD articleBody of this page. " * 10
    page = (f"<html lang='en'><head><title>Pier</title>{jsonld({**ARTICLE, 'articleBody': other})}</head>"
            f"<body>{body}</body></html>")
    result = extract(page, URL)
    assert result.sources["text"] == "trafilatura"
    assert PARAGRAPHS[0] in (result.text or "")
    assert "Entirely different" not in (result.text or "")


def test_too_little_script_text_gives_no_body_but_keeps_metadata() -> None:
    page = shell(jsonld({**ARTICLE, "articleBody": "Subscribe to read the full story."}))
    result = extract(page, URL)
    assert result.text is None and result.word_count == 0
    assert result.title == "Pier stays closed after storm"
    assert result.authors == ("Ann Ek",)


@pytest.mark.parametrize("raw", ["", "{", "[1, 2, 3]", '{"a": "b"}', "null", '"' + "x" * 100 + '"'])
def test_bad_next_data_gives_nothing(raw: str) -> None:
    assert next_data_paragraphs(raw) == []


def test_text_paragraphs_plain_and_html() -> None:
    assert text_paragraphs("One line.\n\nTwo  lines\nthree.") == ["One line.", "Two lines", "three."]
    assert text_paragraphs("<p>One <b>bold</b>.</p><p>Two.</p>") == ["One bold.", "Two."]
    assert text_paragraphs("   ") == []
