"""Feeds and text outputs name things as a person reads them: authors joined, never a Python list repr."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from archiver.services.watch.feed import changes_feed
from archiver.services.watch.present import field_value


def test_field_values() -> None:
    assert field_value(["John Carter"]) == "John Carter"
    assert field_value(["John Carter", "Ann Lee"]) == "John Carter, Ann Lee"
    assert field_value(None) == field_value([]) == "(none)"
    assert field_value("Port strike") == "\u201cPort strike\u201d"


def test_the_atom_feed_names_authors() -> None:
    change = SimpleNamespace(
        id=1, url="https://news.example/story", title="Port strike", fields=["authors", "title"],
        before_capture_id=1, after_capture_id=2, before_fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
        after_fetched_at=datetime(2026, 11, 2, tzinfo=UTC), detected_at=None, words_added=1, words_removed=0,
        sentences_added=0, sentences_removed=0, sentences_edited=0,
        details={"authors": {"old": ["John Carter"], "new": ["John Carter", "Ann Lee"]},
                 "title": {"old": "Port strike", "new": "Port strike ends"}})
    feed = changes_feed([change]).decode()  # type: ignore[list-item]
    assert "authors: John Carter =&gt; John Carter, Ann Lee" in feed
    assert "['John Carter']" not in feed and "[&#x27;" not in feed and "['" not in feed
