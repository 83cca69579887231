"""The trafilatura wrapper: its parse and its metadata fields equal trafilatura's own, and cost nothing until read."""

from __future__ import annotations

import pytest
import trafilatura
from lxml import etree
from lxml.html import FormElement, HtmlElement, tostring
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from archiver.extraction import extract, trafilatura_backend
from archiver.extraction.trafilatura_backend import load_tree, run_trafilatura

BODY = "".join(f"<p>Paragraph {i} of the story tells what the council decided about the budget and why.</p>"
               for i in range(8))

PAGES = {
    "meta tags": f"""<html><head><title>Budget vote | The Daily</title>
        <meta property="og:title" content="Budget vote passes">
        <meta name="description" content="  The council   voted. ">
        <meta property="og:image" content="/img/a.jpg"><meta property="og:site_name" content="@thedaily">
        <meta name="keywords" content="budget, council"><meta name="author" content="Ann Smith">
        </head><body><article>{BODY}</article></body></html>""",
    "json-ld": f"""<html><head><title>Other title</title>
        <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Headline &amp; more",
        "author": {{"@type": "Person", "name": "Bo Lee"}}, "datePublished": "2024-03-02T10:00:00Z",
        "publisher": {{"@type": "Organization", "name": "Daily"}}, "keywords": ["a", "b"]}}</script>
        </head><body><article>{BODY}</article></body></html>""",
    "markup only": f"""<html><head><title>Plain page - Site</title></head><body>
        <h1>The headline in markup</h1><p class="byline">By Cy Doe</p><time datetime="2023-05-06">6 May</time>
        <a href="/tag/budget">budget</a><a href="/category/politics">politics</a>
        <article>{BODY}</article></body></html>""",
    "canonical": f"""<html><head><link rel="canonical" href="https://example.org/story">
        <title>Canonical</title></head><body>{BODY}</body></html>""",
    "no body": """<html><head><title>Just a title</title><meta name="description" content="d"></head>
        <body></body></html>""",
}


ODD_PAGES = {
    "xml declaration": f'<?xml version="1.0" encoding="utf-8"?><html><body><article>{BODY}</article></body></html>',
    "faulty doctype": f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">\n<html><body>{BODY}</body></html>',
    "self-closing html": f'<html lang="en"/>\n<body>{BODY}</body>',
    "fragment": "<p>only a paragraph</p>",
    "not html": "just some words, no markup at all",
    "control characters": f"<html><body>\x0b\x1f{BODY}<form><input name=q></form></body></html>",
}


@pytest.mark.parametrize("name", sorted(ODD_PAGES) + sorted(PAGES))
def test_the_page_is_parsed_as_trafilatura_parses_it(name: str) -> None:
    html = {**ODD_PAGES, **PAGES}[name]
    tree, expected = load_tree(html), load_html(html)
    assert (tree is None) == (expected is None)
    if tree is not None:
        assert tostring(tree) == tostring(expected)
        ours = trafilatura.bare_extraction(tree, url="https://example.com/a", with_metadata=True)
        theirs = trafilatura.bare_extraction(html, url="https://example.com/a", with_metadata=True)
        assert _fields(ours) == _fields(theirs)


def _fields(document: trafilatura.settings.Document | None) -> dict | None:
    """A ``bare_extraction`` result with its XML trees serialised, to compare two of them."""
    if document is None:
        return None
    return {key: tostring(value) if isinstance(value, etree._Element) else value  # noqa: SLF001
            for key, value in document.as_dict().items()}


def test_elements_are_made_without_a_python_class_lookup() -> None:
    # lxml.html's lookup calls Python for every element object (to make <form> a FormElement):
    # about a tenth of trafilatura's time. Ours is lxml's C lookup: every element is an HtmlElement.
    tree = load_tree(ODD_PAGES["control characters"])
    assert type(tree.find(".//form")) is HtmlElement and isinstance(load_html(ODD_PAGES["control characters"])
                                                                     .find(".//form"), FormElement)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("url", ["https://news.example.com/2024/story", None])
def test_metadata_fields_are_what_trafilatura_gives(name: str, url: str | None) -> None:
    html = PAGES[name]
    expected = extract_metadata(html, default_url=url)
    tree = load_tree(html)
    before = tostring(tree)
    fields = trafilatura_backend._FIELDS
    for order in (fields, tuple(reversed(fields))):  # quick fields first, then last
        out = run_trafilatura(html, url, tree=tree)
        assert {f: out[f] for f in order} == {f: getattr(expected, f) for f in order}
    assert tostring(tree) == before  # the caller's tree is left as it was
    assert set(out) == {"paragraphs", "text", *fields} and len(out) == len(fields) + 2


def test_body_is_there_without_metadata() -> None:
    out = run_trafilatura(PAGES["json-ld"], "https://example.com/a", tree=load_tree(PAGES["json-ld"]))
    assert len(out["paragraphs"]) == 8 and "council decided" in out["text"]
    assert run_trafilatura(PAGES["no body"])["paragraphs"] == []


@pytest.fixture
def metadata_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the runs of trafilatura's whole metadata extraction."""
    runs: list[str] = []

    def counting(page: object, default_url: str | None = None) -> object:
        runs.append(default_url or "")
        return extract_metadata(page, default_url=default_url)

    monkeypatch.setattr(trafilatura_backend, "extract_metadata", counting)
    return runs


def test_structured_data_spares_trafilatura_metadata(metadata_runs: list[str]) -> None:
    page = f"""<html lang="en"><head><title>Budget vote | Daily</title>
        <meta property="og:title" content="Budget vote"><meta property="og:description" content="What happened">
        <meta property="og:site_name" content="Daily"><meta property="article:tag" content="budget">
        <script type="application/ld+json">{{"@type": "NewsArticle", "headline": "Budget vote",
        "author": {{"@type": "Person", "name": "Bo Lee"}}, "datePublished": "2024-03-02T10:00:00Z"}}</script>
        </head><body><article>{BODY}</article></body></html>"""
    result = extract(page, "https://daily.example.com/budget")
    assert (result.title, result.authors, result.published) == ("Budget vote", ("Bo Lee",), "2024-03-02T10:00:00+00:00")
    assert metadata_runs == []


def test_a_field_only_trafilatura_finds_runs_its_metadata_once(metadata_runs: list[str]) -> None:
    result = extract(PAGES["markup only"], "https://daily.example.com/plain")
    assert result.authors == ("Cy Doe",) and result.sources["authors"] == "trafilatura"
    assert result.published == "2023-05-06" and result.sources["published"] == "trafilatura"
    assert metadata_runs == ["https://daily.example.com/plain"]
