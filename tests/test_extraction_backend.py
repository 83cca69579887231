"""The trafilatura wrapper: its metadata fields equal trafilatura's own, and cost nothing until read."""

from __future__ import annotations

import pytest
from lxml.html import tostring
from trafilatura.metadata import extract_metadata

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
