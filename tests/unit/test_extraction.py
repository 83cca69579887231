"""Tests of archiver.extraction on synthetic pages written here (no real news pages)."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import pytest

from archiver.extraction import ExtractionResult, decode_html, extract
from archiver.extraction.merge import (
    SiteNames,
    clean_title,
    count_words,
    detect_language,
    normalize_authors,
    normalize_date,
    normalize_language,
    title_suffixes,
)
from archiver.extraction.structured import parse_structured

# --------------------------------------------------------------------------- fixtures

ARTICLE_PARAGRAPHS = [
    "Yerevan has spent decades leaning on Moscow for weapons, energy and a security "
    "guarantee, but a growing number of Armenians now question whether that bargain still "
    "holds.",
    "Officials in the capital say their complaints about unanswered requests for help have "
    "been heard politely in the Kremlin and then quietly set aside.",
    "Analysts describe a slow drift rather than a sudden break, with the government testing "
    "new partners while avoiding any step that could be read as a formal rupture.",
    "Shopkeepers near the central market say the mood in the street changed after last "
    "year's fighting, when promised support never materialised.",
    "A retired teacher said she had grown up believing the alliance was permanent and now "
    "tells her grandchildren to learn English instead of Russian.",
    "The arrival of thousands of Russians fleeing mobilisation has added a further layer of "
    "complexity, bringing money into the economy and rents up in the capital.",
    "Diplomats in the region note that the government has kept its membership of the "
    "Moscow-led military bloc while skipping several of its meetings.",
    "Opposition politicians accuse the cabinet of drifting without a plan, while supporters "
    "argue that caution is the only sensible policy for a small country.",
    "Economists point out that trade with Russia has actually increased, complicating any "
    "story of a clean break between the two governments.",
    "For now, most observers expect the uneasy balancing act to continue, with neither side "
    "willing to pay the price of an open split.",
]

BOILERPLATE = {
    "nav": "Subscribe to our newsletter for daily briefings",
    "cookie": "We use cookies to improve your experience on our website",
    "sidebar": "Most read this week: Kremlin reshuffle rumours swirl",
    "comments": "This is outrageous, wrote a reader called Ivan in the comments",
    "footer": "Copyright 2023 Example Publishing. All rights reserved worldwide",
}


def moscow_times_page() -> str:
    """A synthetic article page built like a typical news site (AFP wire story)."""
    jsonld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Frustration With Russia Grows in Armenia",
        "datePublished": "2023-04-16T12:05:00+03:00",
        "dateModified": "2023-04-16T13:00:00+03:00",
        "author": {"@type": "Organization", "name": "AFP"},
        "publisher": {"@type": "Organization", "name": "The Moscow Times"},
        "mainEntityOfPage": "https://www.themoscowtimes.com/2023/04/16/frustration-a80000",
    }
    paragraphs = "\n".join(f"<p>{text}</p>" for text in ARTICLE_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Frustration With Russia Grows in Armenia - The Moscow Times</title>
<meta property="og:site_name" content="The Moscow Times">
<meta property="og:title" content="Frustration With Russia Grows in Armenia">
<meta property="og:type" content="article">
<meta property="og:url" content="https://www.themoscowtimes.com/2023/04/16/frustration-a80000">
<meta property="og:image" content="/media/armenia.jpg">
<meta property="og:description" content="Many in Armenia say Moscow failed them.">
<meta name="keywords" content="Armenia, Russia, CSTO">
<link rel="canonical" href="https://www.themoscowtimes.com/2023/04/16/frustration-a80000">
<script type="application/ld+json">{json.dumps(jsonld)}</script>
</head>
<body>
<header><nav><ul>
<li><a href="/news">News</a></li><li><a href="/opinion">Opinion</a></li>
<li><a href="/newsletters">{BOILERPLATE["nav"]}</a></li>
</ul></nav></header>
<div id="cookie-banner" class="cookie-consent"><p>{BOILERPLATE["cookie"]}.
<button>Accept</button></p></div>
<main>
<article class="article">
<h1>Frustration With Russia Grows in Armenia</h1>
<div class="byline">By <a href="/authors/afp">AFP</a></div>
<time datetime="2023-04-16T12:05:00+03:00">April 16, 2023</time>
<figure><img src="/media/armenia.jpg" alt=""><figcaption>Protest in Yerevan.</figcaption></figure>
<div class="article__content">
{paragraphs}
</div>
</article>
<aside class="sidebar"><h3>Most read</h3><ul>
<li><a href="/a">{BOILERPLATE["sidebar"]}</a></li>
<li><a href="/b">Another headline entirely</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comments</h3>
<div class="comment"><p>{BOILERPLATE["comments"]}.</p></div></section>
</main>
<footer class="footer"><p>{BOILERPLATE["footer"]}.</p></footer>
</body>
</html>"""


URL = "https://www.themoscowtimes.com/2023/04/16/frustration-a80000"


# --------------------------------------------------------------------------- end to end


def test_moscow_times_like_page() -> None:
    result = extract(moscow_times_page().encode("utf-8"), URL)

    assert result.title == "Frustration With Russia Grows in Armenia"
    assert list(result.authors) == ["AFP"]
    assert result.published is not None
    assert result.published.startswith("2023-04-16")
    assert result.published.endswith("+03:00")
    assert result.sitename == "The Moscow Times"
    assert result.language == "en"
    assert result.text is not None
    assert ARTICLE_PARAGRAPHS[0] in result.text
    assert ARTICLE_PARAGRAPHS[-1] in result.text
    for junk in BOILERPLATE.values():
        assert junk not in result.text
    assert result.canonical_url == URL
    assert result.image == "https://www.themoscowtimes.com/media/armenia.jpg"
    assert result.description == "Many in Armenia say Moscow failed them."
    assert list(result.tags) == ["Armenia", "Russia", "CSTO"]
    assert result.sources["title"] in {"json-ld", "opengraph"}
    assert result.sources["authors"] == "json-ld"
    assert result.sources["published"] == "json-ld"
    assert result.extractor.startswith("trafilatura ")


def test_body_paragraphs_are_separated_by_blank_lines() -> None:
    result = extract(moscow_times_page(), URL)
    assert result.text is not None
    paragraphs = result.text.split("\n\n")
    for expected in ARTICLE_PARAGRAPHS:
        assert expected in paragraphs
    assert "Frustration With Russia Grows in Armenia" not in paragraphs  # title not repeated
    assert result.word_count == count_words(result.text) > 200
    assert result.fingerprint and re.fullmatch(r"[0-9a-f]+", result.fingerprint)


def test_result_is_picklable_and_json_serialisable() -> None:
    result = extract(moscow_times_page(), URL)
    clone = pickle.loads(pickle.dumps(result))
    assert clone == result
    data = result.to_dict()
    assert data["authors"] == ["AFP"]
    assert json.loads(json.dumps(data)) == data
    with pytest.raises(AttributeError):
        result.title = "changed"  # type: ignore[misc]
    hash(result)


CYRILLIC_TITLE = "Морозы ударили по всей Сибири"
CYRILLIC_PARAGRAPHS = [
    "Жители нескольких областей Сибири третий день подряд сталкиваются с сильными морозами, "
    "температура воздуха местами опускается ниже сорока градусов.",
    "Власти региона продлили режим повышенной готовности и призвали водителей не выезжать на "
    "трассы без крайней необходимости, особенно в ночное время.",
    "Синоптики ожидают, что холодная погода сохранится как минимум до конца следующей недели, "
    "после чего начнётся постепенное потепление по всему региону.",
    "В школах отменили занятия для младших классов, а городские службы увеличили число "
    "автобусов на маршрутах, чтобы люди меньше ждали на остановках.",
]


def cyrillic_page() -> str:
    """A Russian page whose only charset declaration is a ``<meta>`` tag."""
    body = "\n".join(f"<p>{p}</p>" for p in CYRILLIC_PARAGRAPHS)
    return f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>{CYRILLIC_TITLE}</title>
<meta name="author" content="Иван Петров">
</head><body><article><h1>{CYRILLIC_TITLE}</h1>{body}</article></body></html>"""


def test_windows_1251_bytes_with_meta_charset() -> None:
    raw = cyrillic_page().encode("windows-1251")
    text, encoding = decode_html(raw)
    assert encoding.replace("-", "").lower() in {"cp1251", "windows1251"}
    assert CYRILLIC_TITLE in text

    result = extract(raw, "https://example.ru/news/1")
    assert result.title == CYRILLIC_TITLE
    assert list(result.authors) == ["Иван Петров"]
    assert result.text is not None
    assert CYRILLIC_PARAGRAPHS[0] in result.text
    assert CYRILLIC_PARAGRAPHS[-1] in result.text
    assert result.language == "ru" or detect_language("x")[0] is None


def test_explicit_encoding_argument_wins() -> None:
    raw = cyrillic_page().encode("windows-1251")
    result = extract(raw, "https://example.ru/news/1", encoding="cp1251")
    assert result.title == CYRILLIC_TITLE


# --------------------------------------------------------------------------- charset


def test_http_header_beats_meta() -> None:
    raw = cyrillic_page().encode("windows-1251")
    text, encoding = decode_html(raw, "text/html; charset=windows-1251")
    assert CYRILLIC_TITLE in text
    latin = "<html><head><meta charset='utf-8'></head><body>caf\xe9</body></html>"
    text, encoding = decode_html(latin.encode("latin-1"), "text/html; charset=ISO-8859-1")
    assert "café" in text
    assert encoding == "cp1252"  # w3lib maps latin-1 to its superset, as browsers do


def test_bom_is_honoured_and_stripped() -> None:
    raw = "\ufeff<html><body><p>Grüße</p></body></html>".encode("utf-8")
    text, encoding = decode_html(raw, "text/html; charset=iso-8859-1")
    assert encoding == "utf-8"
    assert text.startswith("<html>")
    assert "Grüße" in text


def test_stale_meta_charset_on_utf8_page_is_ignored() -> None:
    page = "<html><head><meta charset='iso-8859-15'></head><body><p>sanción año</p></body></html>"
    text, encoding = decode_html(page.encode("utf-8"))
    assert encoding == "utf-8"
    assert "sanción año" in text


def test_undeclared_utf8_and_empty_bodies() -> None:
    text, encoding = decode_html("<p>naïve</p>".encode())
    assert (text, encoding) == ("<p>naïve</p>", "utf-8")
    assert decode_html(b"") == ("", "utf-8")


# --------------------------------------------------------------------------- authors


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("By Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
        ("Jane Doe, John Smith", ["Jane Doe", "John Smith"]),
        ("Jane Doe & John Smith", ["Jane Doe", "John Smith"]),
        ("By Jane Doe, John Smith and Ann Lee", ["Jane Doe", "John Smith", "Ann Lee"]),
        ("Von Anna Müller und Peter Meier", ["Anna Müller", "Peter Meier"]),
        ("Por María López y Juan Pérez", ["María López", "Juan Pérez"]),
        ("Por José Ortega y Gasset", ["José Ortega y Gasset"]),
        ("Jane Doe, Staff Writer", ["Jane Doe"]),
        ("Jane Doe, Senior Correspondent", ["Jane Doe"]),
        ("John Smith Reporter", ["John Smith"]),
        ("Updated by Jane Doe", ["Jane Doe"]),
        ("Jane Doe | The Daily Planet", ["Jane Doe"]),
        ("BY JANE DOE", ["JANE DOE"]),
        ("Miguel A. Herguedas", ["Miguel A. Herguedas"]),
        ("https://www.facebook.com/janedoe", []),
        ("jane-doe", ["Jane Doe"]),
        (["Jane Doe", "jane doe", "JANE DOE"], ["Jane Doe"]),
        (["Jane Doe", "https://example.org/authors/jane"], ["Jane Doe"]),
        ("admin", []),
        ("", []),
        (None, []),
    ],
)
def test_normalize_authors(raw: object, expected: list[str]) -> None:
    assert normalize_authors(raw) == expected  # type: ignore[arg-type]


def _page(head: str, body: str = "") -> str:
    """A small page with the given head markup and a plausible article body."""
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS[:5])
    return (
        f"<html lang='en'><head>{head}</head>"
        f"<body><article>{body}{paragraphs}</article></body></html>"
    )


def _jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_site_name_is_not_an_author_unless_jsonld_says_so() -> None:
    head = (
        '<meta property="og:site_name" content="The Daily Planet">'
        '<meta name="author" content="The Daily Planet">'
    )
    result = extract(_page(head), "https://www.dailyplanet.example/a")
    assert list(result.authors) == []

    head += _jsonld(
        {
            "@type": "NewsArticle",
            "headline": "Headline",
            "author": {"@type": "Organization", "name": "The Daily Planet"},
            "publisher": {"@type": "Organization", "name": "The Daily Planet"},
        }
    )
    result = extract(_page(head), "https://www.dailyplanet.example/a")
    assert list(result.authors) == ["The Daily Planet"]


def test_real_author_beats_site_named_jsonld_author() -> None:
    head = (
        '<meta property="og:site_name" content="The Daily Planet">'
        '<meta name="author" content="Lois Lane">'
        + _jsonld({"@type": "NewsArticle", "headline": "H", "author": "The Daily Planet"})
    )
    result = extract(_page(head), "https://www.dailyplanet.example/a")
    assert list(result.authors) == ["Lois Lane"]
    assert result.sources["authors"] == "meta"


def test_jsonld_author_list_graph_and_id_references() -> None:
    head = _jsonld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "@id": "https://x.example/#site", "name": "X Daily"},
                {
                    "@type": ["NewsArticle"],
                    "headline": "Graph headline",
                    "author": [
                        {"@id": "https://x.example/#p1"},
                        {"@type": "Person", "name": "Bo Li"},
                    ],
                    "datePublished": "2024-02-03T04:05:06Z",
                },
                {"@type": "Person", "@id": "https://x.example/#p1", "name": "Ann Ek"},
            ],
        }
    )
    result = extract(_page(head), "https://x.example/a")
    assert list(result.authors) == ["Ann Ek", "Bo Li"]
    assert result.published == "2024-02-03T04:05:06+00:00"
    assert result.title == "Graph headline"


def test_article_author_urls_are_ignored() -> None:
    head = (
        '<meta property="article:author" content="https://www.facebook.com/someone">'
        '<meta property="article:author" content="Clark Kent">'
    )
    result = extract(_page(head), "https://www.dailyplanet.example/a")
    assert list(result.authors) == ["Clark Kent"]


# --------------------------------------------------------------------------- titles

SITE = SiteNames(["The Moscow Times"], ["https://www.themoscowtimes.com/x"])
TECHCRUNCH = SiteNames([], ["https://techcrunch.com/"])  # known by its domain only
WIEN = "Mord in Wien: Täter gefasst"  # a colon inside a headline is not a site separator


@pytest.mark.parametrize(
    ("raw", "site", "expected"),
    [
        ("Frustration Grows - The Moscow Times", SITE, "Frustration Grows"),
        ("Frustration Grows | The Moscow Times", SITE, "Frustration Grows"),
        ("Frustration Grows – The Moscow Times", SITE, "Frustration Grows"),
        ("Frustration Grows — The Moscow Times", SITE, "Frustration Grows"),
        ("Frustration Grows :: The Moscow Times", SITE, "Frustration Grows"),
        ("The Moscow Times | Frustration Grows", SITE, "Frustration Grows"),
        ("Frustration Grows - Moscow Times", SITE, "Frustration Grows"),
        ("Frustration Grows - themoscowtimes.com", SITE, "Frustration Grows"),
        ("Strava taps AI | TechCrunch", TECHCRUNCH, "Strava taps AI"),
        ("Frustration Grows - World | Globalnews.ca",
         SiteNames(["Global News"], ["https://globalnews.ca/n"]), "Frustration Grows - World"),
        ("首相が会見：朝日新聞デジタル", SiteNames(["朝日新聞デジタル"], []), "首相が会見"),
        ("首相が会見 | 毎日新聞", SiteNames(["毎日新聞"], []), "首相が会見"),
        (WIEN, SiteNames(["Wiener Zeitung"], []), WIEN),
        ("Armenia - Russia: a Rift", SITE, "Armenia - Russia: a Rift"),
        ("Zelensky considers firing general * The Gateway Pundit * by Paul Serran",
         SiteNames(["The Gateway Pundit"], []), "Zelensky considers firing general"),
        ("The Moscow Times", SITE, None),
        ("", SITE, None),
    ],
)
def test_clean_title(raw: str, site: SiteNames, expected: str | None) -> None:
    assert clean_title(raw, site) == expected


def test_title_suffix_absent_from_og_title_is_removed() -> None:
    tag = "Big Storm Hits Coast - Weather | Wxyz News Now"
    suffixes = title_suffixes(tag, ["Big Storm Hits Coast - Weather"])
    assert clean_title(tag, SiteNames([], []), suffixes) == "Big Storm Hits Coast - Weather"
    assert clean_title(tag, SiteNames([], [])) == tag  # unknown suffix without evidence stays


def test_title_prefers_core_over_decorated_og_title() -> None:
    head = (
        "<title>Kicker | Storm floods the old harbour district</title>"
        '<meta property="og:title" content="Kicker | Storm floods the old harbour district">'
        + _jsonld({"@type": "NewsArticle", "headline": "Storm floods the old harbour district"})
    )
    result = extract(_page(head), "https://news.example/a")
    assert result.title == "Storm floods the old harbour district"


def test_title_never_equals_site_name() -> None:
    head = '<title>Daily Planet</title><meta property="og:site_name" content="Daily Planet">'
    result = extract(_page(head), "https://dailyplanet.example/")
    assert result.title != "Daily Planet"


def test_mojibake_in_jsonld_is_repaired() -> None:
    head = _jsonld({"@type": "NewsArticle", "headline": "La sanciÃ³n de Verstappen"})
    result = extract(_page(head), "https://es.example/a")
    assert result.title == "La sanción de Verstappen"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-04-16T12:05:00+03:00", "2023-04-16T12:05:00+03:00"),
        ("2023-04-16T12:05:00.123+0300", "2023-04-16T12:05:00+03:00"),
        ("2023-04-16T09:05:00Z", "2023-04-16T09:05:00+00:00"),
        ("2023-04-16 12:05", "2023-04-16T12:05:00"),
        ("2023-04-16", "2023-04-16"),
        ("20230416", "2023-04-16"),
        ("Sun, 16 Apr 2023 12:05:00 +0300", "2023-04-16T12:05:00+03:00"),
        ("Mon, 05 Aug 2024 12:47:21 GMT", "2024-08-05T12:47:21+00:00"),
        ("0001-01-01T00:00:00Z", None),
        ("2999-01-01", None),
        ("yesterday", None),
        ("2023-13-45", None),
        (None, None),
    ],
)
def test_normalize_date(raw: str | None, expected: str | None) -> None:
    assert normalize_date(raw) == expected


def test_dates_come_from_article_meta_when_no_jsonld() -> None:
    head = (
        '<meta property="article:published_time" content="2022-01-02T03:04:05-05:00">'
        '<meta property="article:modified_time" content="2022-01-03T00:00:00-05:00">'
    )
    result = extract(_page(head), "https://news.example/a")
    assert result.published == "2022-01-02T03:04:05-05:00"
    assert result.modified == "2022-01-03T00:00:00-05:00"
    assert result.sources["published"] == "opengraph"


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("en-US", "en"),
        ("de_AT", "de"),
        ("NB", "nb"),
        ("x-default", None),
        ("", None),
        ("und", None),
    ],
)
def test_normalize_language(raw: str, expected: str | None) -> None:
    assert normalize_language(raw) == expected


SWAHILI = [
    "Serikali imetangaza mpango mpya wa kuboresha huduma za afya katika vijiji vyote vya "
    "mkoa huo, hatua ambayo wananchi wengi wameipokea kwa furaha kubwa.",
    "Waziri wa afya amesema kuwa vituo vipya vya afya vitajengwa ndani ya miaka miwili ijayo "
    "na wataalamu zaidi wataajiriwa kuhudumia wagonjwa.",
    "Wakazi wa eneo hilo wamesema walikuwa wakisafiri umbali mrefu kupata matibabu, hali "
    "iliyowaletea usumbufu mkubwa hasa wakati wa mvua.",
]


@pytest.mark.skipif(detect_language("hello world")[0] is None, reason="py3langid not installed")
def test_declared_language_is_checked_against_detection() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in SWAHILI)
    page = (
        "<html lang='en-US'><head><title>Habari</title></head>"
        f"<body><article>{paragraphs}</article></body></html>"
    )
    result = extract(page, "https://habari.example/a")
    assert result.language == "sw"
    assert result.sources["language"] == "detected"
    # a correct declaration is kept, with its source
    assert extract(moscow_times_page(), URL).sources["language"] == "html"


# --------------------------------------------------------------------------- no body


def next_data_page(*, with_body: bool = True) -> str:
    """A client-rendered page: the article lives only in ``__NEXT_DATA__`` (or nowhere)."""
    next_data = {
        "props": {
            "pageProps": {
                "article": {
                    "title": "Harbour Reopens After Storm",
                    "body": [{"type": "paragraph", "text": t} for t in ARTICLE_PARAGRAPHS]
                    if with_body else [],
                }
            }
        }
    }
    jsonld = {
        "@type": "NewsArticle",
        "headline": "Harbour Reopens After Storm",
        "author": [{"@type": "Person", "name": "Ann Ek"}, {"@type": "Person", "name": "Bo Li"}],
        "datePublished": "2024-05-06T07:08:09+02:00",
    }
    return f"""<!DOCTYPE html><html lang="sv"><head>
<title>Harbour Reopens After Storm | Coastal Post</title>
<meta property="og:site_name" content="Coastal Post">
{_jsonld(jsonld)}
</head><body><div id="__next"></div>
<script id="__NEXT_DATA__" type="application/json">{json.dumps(next_data)}</script>
</body></html>"""


def test_next_data_body_is_the_fallback_and_metadata_survives() -> None:
    result = extract(next_data_page().encode(), "https://coastalpost.example/a")
    assert result.text == "\n\n".join(ARTICLE_PARAGRAPHS)
    assert result.sources["text"] == "next-data"
    assert result.word_count == count_words(result.text) and result.fingerprint
    assert result.title == "Harbour Reopens After Storm"
    assert list(result.authors) == ["Ann Ek", "Bo Li"]
    assert result.published == "2024-05-06T07:08:09+02:00"
    assert result.sitename == "Coastal Post"


def test_metadata_survives_when_no_body_is_found() -> None:
    result = extract(next_data_page(with_body=False).encode(), "https://coastalpost.example/a")
    assert result.text is None
    assert result.word_count == 0
    assert result.fingerprint is None
    assert "text" not in result.sources
    assert result.title == "Harbour Reopens After Storm"
    assert list(result.authors) == ["Ann Ek", "Bo Li"]
    assert result.published == "2024-05-06T07:08:09+02:00"
    assert result.sitename == "Coastal Post"
    assert result.language == "sv"


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "junk",
    [
        "",
        b"",
        "   \n  ",
        b"\x00\x01\x02\xff\xfe\xfd" * 500,
        bytes(range(256)) * 50,
        "<<<>>><<<",
        "<html><body>" + "<div>" * 50_000 + "deep" + "</div>" * 50_000 + "</body></html>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>",
        None,
        12345,
    ],
)
def test_garbage_input_never_raises(junk: object) -> None:
    result = extract(junk, "not a url")  # type: ignore[arg-type]
    assert isinstance(result, ExtractionResult)
    assert result.word_count >= 0
    if not junk or (isinstance(junk, str) and not junk.strip()):
        assert result == ExtractionResult()


@pytest.mark.parametrize(
    "script",
    [
        "{not json at all",
        '{"@type": "NewsArticle", "headline": "Broken"',
        "[" * 100_000 + "]" * 100_000,
        '{"@type": "NewsArticle", "author": ' + '{"author": ' * 5000 + "1" + "}" * 5001,
        "",
    ],
)
def test_bad_jsonld_is_ignored(script: str) -> None:
    page = _page(f'<script type="application/ld+json">{script}</script>')
    result = extract(page, "https://news.example/a")
    assert result.text is not None
    assert ARTICLE_PARAGRAPHS[0] in result.text


def test_sloppy_jsonld_is_repaired() -> None:
    script = """<!--
    {"@context": "https://schema.org", "@type": "NewsArticle",
     "headline": "Repaired headline",
     "author": {"@type": "Person", "name": "Jane Doe"},}
    -->"""
    data = parse_structured(_page(f'<script type="application/ld+json">{script}</script>'))
    assert data.jsonld is not None
    assert data.jsonld.headline == "Repaired headline"
    assert data.jsonld.authors == [("Jane Doe", "Person")]


def test_only_the_backend_imports_trafilatura() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = [
        path.relative_to(root).as_posix()
        for package in ("archiver", "spiders", "storage")
        for path in (root / package).rglob("*.py")
        if re.search(r"^\s*(?:from|import)\s+trafilatura\b", path.read_text("utf-8"), re.M)
        and path.name != "trafilatura_backend.py"
    ]
    assert offenders == []


def test_sitename_prefers_a_name_over_a_url_or_slug() -> None:
    head = (
        '<meta property="og:site_name" content="https://www.dailyplanet.example">'
        + _jsonld({"@type": "NewsArticle", "headline": "H", "publisher": {"name": "Daily Planet"}})
    )
    assert extract(_page(head), "https://www.dailyplanet.example/a").sitename == "Daily Planet"
    head = (
        '<meta property="og:site_name" content="dailyplanet">'
        + _jsonld({"@type": "NewsArticle", "headline": "H", "publisher": {"name": "Daily Planet"}})
    )
    result = extract(_page(head), "https://www.dailyplanet.example/a")
    assert result.sitename == "Daily Planet"
    assert result.sources["sitename"] == "json-ld"


def test_tags_drop_ids_and_split_keyword_strings() -> None:
    head = (
        '<meta name="keywords" content="Storm, Harbour; 26157981-b4f7-4929-adc1-e860c6f03636,'
        ' storm">'
    )
    assert list(extract(_page(head), "https://news.example/a").tags) == ["Storm", "Harbour"]


def test_undeclared_legacy_encoding_is_detected() -> None:
    page = cyrillic_page().replace(
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', ""
    )
    text, encoding = decode_html(page.encode("windows-1251"))
    assert CYRILLIC_TITLE in text
    assert encoding.replace("-", "").lower() in {"cp1251", "windows1251"}


def test_jsonld_main_article_beats_related_items_and_webpage() -> None:
    head = _jsonld(
        [
            {
                "@type": "WebPage",
                "url": "https://news.example/a",
                "headline": "Page wrapper",
                "mainEntity": {
                    "@type": "NewsArticle",
                    "headline": "Main story",
                    "author": {"@type": "Person", "name": "Ann Ek"},
                    "datePublished": "2024-01-02",
                },
            },
            {
                "@type": "ItemList",
                "itemListElement": [
                    {
                        "@type": "NewsArticle",
                        "headline": "Related one",
                        "url": "https://news.example/b",
                    },
                ],
            },
        ]
    )
    data = parse_structured(_page(head), "https://news.example/a")
    assert data.jsonld is not None
    assert data.jsonld.headline == "Main story"
    assert data.jsonld.authors == [("Ann Ek", "Person")]


def test_a_bare_day_gives_way_to_a_precise_time_on_the_same_day() -> None:
    head = (
        '<meta property="article:published_time" content="2025-11-21T13:34:26+00:00">'
        + _jsonld({"@type": "NewsArticle", "headline": "H", "datePublished": "2025-11-21"})
    )
    result = extract(_page(head), "https://news.example/a")
    assert result.published == "2025-11-21T13:34:26+00:00"
    assert result.sources["published"] == "opengraph"


def test_title_tag_suffix_is_removed_without_structured_headline() -> None:
    head = (
        "<title>Frustration With Russia Grows in Armenia - The Moscow Times</title>"
        '<meta property="og:site_name" content="The Moscow Times">'
    )
    result = extract(_page(head), URL)
    assert result.title == "Frustration With Russia Grows in Armenia"
    head = "<title>Frustration With Russia Grows in Armenia | The Moscow Times</title>"
    assert extract(_page(head), URL).title == "Frustration With Russia Grows in Armenia"
