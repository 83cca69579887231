"""One test per metadata rule of archiver.extraction, each on a small page written here."""

from __future__ import annotations

import json

import pytest

from archiver.extraction import extract
from archiver.extraction.language import detect_language

PARAGRAPHS = [
    "The harbour authority said on Monday that the northern pier would stay closed for at least "
    "another week while divers inspect the foundations damaged in the storm.",
    "Fishermen who depend on the pier told reporters that the closure was costing them most of "
    "their weekly catch, and asked the town council for emergency support.",
    "Engineers from the regional government arrived on Sunday evening and began mapping the "
    "cracks along the seaward wall with underwater cameras and sonar.",
    "The mayor promised a public meeting next Thursday at which the engineers will present "
    "their findings and a timetable for the repairs.",
]
URL = "https://www.harbourtimes.example/2024/05/06/pier-closed"


def page(head: str = "", *, lang: str | None = "en", before_body: str = "",
         paragraphs: list[str] | None = None) -> str:
    """A small article page: ``head`` markup, ``before_body`` (headline, byline), paragraphs."""
    lang_attr = f" lang='{lang}'" if lang else ""
    text = "".join(f"<p>{p}</p>" for p in (paragraphs or PARAGRAPHS))
    return (f"<html{lang_attr}><head><meta charset='utf-8'>{head}</head>"
            f"<body><article>{before_body}{text}</article></body></html>")


def jsonld(data: object) -> str:
    """A JSON-LD script element."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def og(prop: str, value: str) -> str:
    """An OpenGraph (or ``article:*``) meta element."""
    return f'<meta property="{prop}" content="{value}">'


def meta(name: str, value: str) -> str:
    """A named meta element."""
    return f'<meta name="{name}" content="{value}">'


# --------------------------------------------------------------------------- titles


@pytest.mark.parametrize("title_tag", [
    "Pier stays closed after storm - Harbour Times",
    "Pier stays closed after storm | Harbour Times",
    "Harbour Times | Pier stays closed after storm",
    "Harbour Times: Pier stays closed after storm",
    "Pier stays closed after storm – harbourtimes.example",
])
def test_title_loses_site_name_suffix_or_prefix(title_tag: str) -> None:
    result = extract(page(f"<title>{title_tag}</title>" + og("og:site_name", "Harbour Times")), URL)
    assert result.title == "Pier stays closed after storm"


def test_title_suffix_known_from_og_title_is_removed_even_if_not_the_site_name() -> None:
    head = ("<title>Pier stays closed after storm - Coast | HT Online Edition</title>"
            + og("og:title", "Pier stays closed after storm - Coast"))
    assert extract(page(head), URL).title == "Pier stays closed after storm - Coast"


def test_title_equal_to_site_name_is_rejected_for_the_next_source() -> None:
    head = (og("og:title", "Harbour Times") + og("og:site_name", "Harbour Times")
            + "<title>Pier stays closed after storm - Harbour Times</title>")
    result = extract(page(head), URL)
    assert result.title == "Pier stays closed after storm"
    assert result.sources["title"] != "opengraph"


def test_title_only_the_site_name_gives_none() -> None:
    head = "<title>Harbour Times</title>" + og("og:site_name", "Harbour Times")
    result = extract(page(head, paragraphs=PARAGRAPHS[:1]), URL)
    assert result.title is None
    assert "title" not in result.sources


def test_jsonld_headline_confirmed_by_h1_beats_a_social_og_title() -> None:
    head = (og("og:title", "You will not believe what happened at the pier")
            + jsonld({"@type": "NewsArticle", "headline": "Pier stays closed after storm"}))
    result = extract(page(head, before_body="<h1>Pier stays closed after storm</h1>"), URL)
    assert result.title == "Pier stays closed after storm"
    assert result.sources["title"] == "json-ld"


def test_og_title_stays_when_h1_is_it_behind_a_kicker() -> None:
    head = (og("og:title", "Pier stays closed after storm")
            + jsonld({"@type": "NewsArticle", "headline": "Storm damage: Pier stays closed after storm"}))
    result = extract(page(head, before_body="<h1>Storm damage: Pier stays closed after storm</h1>"), URL)
    assert result.title == "Pier stays closed after storm"


def test_different_kickers_before_the_same_headline_are_both_dropped() -> None:
    head = og("og:title", "Storm aftermath: «The pier will need a whole new wall»")
    body = "<h1>Harbour damage - «The pier will need a whole new wall»</h1>"
    assert extract(page(head, before_body=body), URL).title == "«The pier will need a whole new wall»"


def test_title_keeps_the_quotes_most_sources_print() -> None:
    curly = "Mayor\u2019s \u2018repair plan\u2019 for the pier"
    head = (og("og:title", "Mayor's 'repair plan' for the pier")
            + jsonld({"@type": "NewsArticle", "headline": curly}) + f"<title>{curly}</title>")
    assert extract(page(head, before_body=f"<h1>{curly}</h1>"), URL).title == curly
    straight = "Mayor's 'repair plan' for the pier"
    head = og("og:title", straight) + jsonld({"@type": "NewsArticle", "headline": straight})
    assert extract(page(head, before_body=f"<h1>{curly}</h1>"), URL).title == straight


# --------------------------------------------------------------------------- authors


def test_author_that_is_the_publisher_is_rejected() -> None:
    head = (og("og:site_name", "Harbour Times") + meta("author", "Harbour Times")
            + jsonld({"@type": "NewsArticle", "headline": "Pier stays closed",
                      "publisher": {"@type": "Organization", "name": "Harbour Times"}}))
    result = extract(page(head), URL)
    assert result.authors == ()
    assert "authors" not in result.sources


@pytest.mark.parametrize(("byline", "names"), [
    ("By Ann Ek and Bo Li", ("Ann Ek", "Bo Li")),
    ("Ann Ek, Bo Li", ("Ann Ek", "Bo Li")),
    ("Ann Ek, Staff Writer", ("Ann Ek",)),
    ("Bo Li, Senior Political Correspondent", ("Bo Li",)),
    ("Updated by Ann Ek", ("Ann Ek",)),
    ("Von Anna Müller und Peter Meier", ("Anna Müller", "Peter Meier")),
])
def test_byline_in_meta_author_is_split_into_names(byline: str, names: tuple[str, ...]) -> None:
    result = extract(page(og("og:site_name", "Harbour Times") + meta("author", byline)), URL)
    assert result.authors == names
    assert result.sources["authors"] == "meta"


@pytest.mark.parametrize("agency", ["AFP", "Reuters", "dpa"])
def test_news_agency_author_is_kept(agency: str) -> None:
    head = (og("og:site_name", "Harbour Times")
            + jsonld({"@type": "NewsArticle", "headline": "Pier stays closed",
                      "author": {"@type": "Organization", "name": agency},
                      "publisher": {"@type": "Organization", "name": "Harbour Times"}}))
    result = extract(page(head), URL)
    assert result.authors == (agency,)
    assert result.sources["authors"] == "json-ld"


def test_rel_author_link_gives_the_author_when_nothing_structured_does() -> None:
    body = '<p class="byline">By <a rel="author" href="/people/ann-ek">Ann Ek</a></p>'
    result = extract(page("<title>Pier stays closed</title>", before_body=body), URL)
    assert result.authors == ("Ann Ek",)


# --------------------------------------------------------------------------- dates


def test_published_date_keeps_the_page_timezone() -> None:
    head = jsonld({"@type": "NewsArticle", "headline": "Pier", "datePublished": "2024-05-06T23:30:00-04:00",
                   "dateModified": "2024-05-07T08:00:00-04:00"})
    result = extract(page(head), URL)
    assert result.published == "2024-05-06T23:30:00-04:00"  # not moved to the next UTC day
    assert result.modified == "2024-05-07T08:00:00-04:00"
    assert result.sources["published"] == "json-ld"


def test_article_meta_date_with_z_suffix_is_utc() -> None:
    result = extract(page(og("article:published_time", "2024-05-06T21:15:00Z")), URL)
    assert result.published == "2024-05-06T21:15:00+00:00"
    assert result.sources["published"] == "opengraph"


def test_modified_before_published_is_dropped() -> None:
    head = jsonld({"@type": "NewsArticle", "headline": "Pier", "datePublished": "2024-05-06T10:00:00+02:00",
                   "dateModified": "2019-01-01T00:00:00+02:00"})
    result = extract(page(head), URL)
    assert result.published == "2024-05-06T10:00:00+02:00"
    assert result.modified is None


# --------------------------------------------------------------------------- language


def test_language_from_html_lang() -> None:
    result = extract(page(lang="en-GB"), URL)
    assert result.language == "en"
    assert result.sources["language"] == "html"


def test_language_from_content_language_meta_without_html_lang() -> None:
    head = '<meta http-equiv="content-language" content="en-US">'
    result = extract(page(head, lang=None), URL)
    assert result.language == "en"
    assert result.sources["language"] == "meta"


GERMAN = [
    "Die Hafenbehörde teilte am Montag mit, dass die nördliche Mole noch mindestens eine weitere "
    "Woche gesperrt bleibt, während Taucher die Fundamente untersuchen.",
    "Die Fischer, die auf die Mole angewiesen sind, sagten, die Sperrung koste sie den größten "
    "Teil ihres wöchentlichen Fangs, und baten den Stadtrat um Hilfe.",
    "Ingenieure der Landesregierung trafen am Sonntagabend ein und begannen, die Risse entlang "
    "der Seemauer mit Unterwasserkameras zu vermessen.",
]


@pytest.mark.skipif(detect_language("hello world")[0] is None, reason="py3langid not installed")
def test_language_detected_when_nothing_is_declared() -> None:
    result = extract(page(lang=None, paragraphs=GERMAN), URL)
    assert result.language == "de"
    assert result.sources["language"] == "detected"


# --------------------------------------------------------------------------- JSON-LD shapes


def test_jsonld_graph_with_reportage_news_article() -> None:
    head = jsonld({
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": URL, "name": "Pier stays closed - Harbour Times"},
            {"@type": "Organization", "@id": "#org", "name": "Harbour Times"},
            {"@type": "Person", "@id": "#ann", "name": "Ann Ek"},
            {"@type": "ReportageNewsArticle", "headline": "Divers inspect the damaged pier",
             "author": {"@id": "#ann"}, "publisher": {"@id": "#org"},
             "datePublished": "2024-05-06T07:00:00+02:00", "mainEntityOfPage": URL},
        ],
    })
    result = extract(page(head), URL)
    assert result.title == "Divers inspect the damaged pier"
    assert result.authors == ("Ann Ek",)
    assert result.published == "2024-05-06T07:00:00+02:00"
    assert result.sitename == "Harbour Times"
    assert {result.sources[k] for k in ("title", "authors", "published")} == {"json-ld"}


# --------------------------------------------------------------------------- the seed article


def test_seed_article_extracts_as_before() -> None:
    from support.fixture_site import ARTICLE_PATH, MODIFIED, PUBLISHED, SITE_NAME, parse_seed, render_article

    seed = parse_seed()
    result = extract(render_article(seed).encode("utf-8"), "http://127.0.0.1:8000" + ARTICLE_PATH)
    assert result.title == "Frustration With Russia Grows in Armenia"
    assert result.authors == ("AFP",)
    assert result.published == PUBLISHED and result.published.startswith("2023-04-16")
    assert result.modified == MODIFIED
    assert result.sitename == SITE_NAME
    assert result.language == "en"
    assert result.text == "\n\n".join(seed.paragraphs)  # the full body, paragraph for paragraph
    assert result.word_count == 413
    assert result.sources["text"] == "trafilatura"
