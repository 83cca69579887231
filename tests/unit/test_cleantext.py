"""The sanitising step of every XML output and of extracted text (archiver.core.cleantext)."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from archiver.core.cleantext import clean_data, clean_text, xml_text
from archiver.services.watch.feed import changes_feed

C0 = "".join(map(chr, range(0x20)))


def test_xml_text_keeps_only_xml_1_0_characters() -> None:
    assert xml_text(f"a{C0}b") == "a\t\n\rb"
    assert xml_text("x\ud83dy\udc00z\ufffe\uffff") == "xyz"
    assert xml_text("Zürich \U0001F600 \ue000") == "Zürich \U0001F600 \ue000"
    ET.fromstring(f"<t>{xml_text(C0 + chr(0xD800))}</t>")


def test_clean_text_joins_pairs_and_drops_lone_surrogates() -> None:
    assert clean_text("a\ud83d\ude00b") == "a\U0001F600b"
    assert clean_text("Ann \udc00 Lee\ud83d") == "Ann  Lee"
    assert clean_text("\x1b kept") == "\x1b kept"
    data = clean_data({"title": "T\ud800", "authors": ["A\udc00"], "n": 3, "listing": {"k\ud800": ("v\ud800",)}})
    assert data == {"title": "T", "authors": ["A"], "n": 3, "listing": {"k": ("v",)}}
    json.dumps(data, ensure_ascii=False).encode("utf-8")


def test_the_changes_feed_drops_what_xml_cannot_carry() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace
    change = SimpleNamespace(id=1, url=f"https://news.example/a?{C0}", title=f"Ferry{C0}\ud83d timetable",
                             fields=["title"], details={"title": {"old": f"old{C0}", "new": "new\udc00"}},
                             before_capture_id=1, after_capture_id=2,
                             after_fetched_at=datetime(2026, 11, 20, tzinfo=UTC), words_added=1, words_removed=1,
                             sentences={})
    document = changes_feed([change])  # type: ignore[list-item]
    feed = ET.fromstring(document)
    title = feed.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
    assert title is not None and title.text == "Edited (title): Ferry\t\n\n timetable"  # a parser reads a bare CR as LF
