"""A change row as plain data (the JSON of ``archiver changes --json``, webhook bodies, the feed's content)."""

from __future__ import annotations

from typing import Any

from storage.catalogue import ChangeRecord

__all__ = ["change_dict", "field_value", "summary"]


def change_dict(change: ChangeRecord) -> dict[str, Any]:
    """``change`` as a JSON-ready dict."""
    return {
        "id": change.id,
        "url": change.url,
        "title": change.title,
        "fields": list(change.fields),
        "before_capture_id": change.before_capture_id,
        "after_capture_id": change.after_capture_id,
        "before_fetched_at": change.before_fetched_at.isoformat() if change.before_fetched_at else None,
        "after_fetched_at": change.after_fetched_at.isoformat(),
        "detected_at": change.detected_at.isoformat() if change.detected_at else None,
        "words_added": change.words_added,
        "words_removed": change.words_removed,
        "sentences": {"added": change.sentences_added, "removed": change.sentences_removed,
                      "edited": change.sentences_edited},
        "details": change.details,
    }


def summary(change: ChangeRecord) -> str:
    """One line: fields changed and the size of the change."""
    parts = [f"{', '.join(change.fields)} changed", f"+{change.words_added}/-{change.words_removed} words"]
    if "body" in change.fields:
        parts.append(f"sentences +{change.sentences_added} -{change.sentences_removed} ~{change.sentences_edited}")
    return "; ".join(parts)


def field_value(value: Any) -> str:
    """A field's value as a person reads it: a list of names joined, text in quotes, nothing as ``(none)``.

    ``['John Carter', 'Ann Lee']`` reads ``John Carter, Ann Lee``, never as a Python list.
    """
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str):
        return f"\u201c{value}\u201d"
    return str(value)
