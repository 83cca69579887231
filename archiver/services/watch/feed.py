"""The Atom feed of detected changes (RFC 4287), newest first.

Built with the standard library's ElementTree: the document is small and flat, and escaping
is the serializer's job; characters XML 1.0 does not allow (a title's ``ESC``) are dropped from
every text and attribute (:func:`archiver.core.cleantext.xml_text`). Each entry links to the
page, its ``id`` is stable per change (``urn:news-archiver:change:<after capture id>``),
``updated`` is when the edited version was captured, and its content lists what changed per
field (sentences for the body).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from archiver import __version__
from archiver.core.cleantext import xml_text
from archiver.services.watch.present import field_value, summary
from storage.catalogue import ChangeRecord, utcnow
from storage.timefmt import format_iso

__all__ = ["ATOM_TYPE", "changes_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
#: The feed's media type.
ATOM_TYPE = "application/atom+xml"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element; its text and attribute values hold only characters XML 1.0 allows (:func:`xml_text`)."""
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _describe(change: ChangeRecord) -> str:
    lines = [summary(change), ""]
    for name in change.fields:
        detail = change.details.get(name) or {}
        if name == "body":
            lines += [f"+ {s}" for s in detail.get("added", [])]
            lines += [f"- {s}" for s in detail.get("removed", [])]
            lines += [f"~ {e['old']}  =>  {e['new']}" for e in detail.get("edited", [])]
        else:
            lines.append(f"{name}: {field_value(detail.get('old'))} => {field_value(detail.get('new'))}")
    lines.append(f"captures {change.before_capture_id} -> {change.after_capture_id}")
    return "\n".join(lines)


def changes_feed(changes: Sequence[ChangeRecord], *, self_url: str | None = None,
                 feed_id: str = "urn:news-archiver:changes") -> bytes:
    """The Atom document (UTF-8 bytes) for ``changes``, sorted newest first."""
    ET.register_namespace("", ATOM_NS)
    ordered = sorted(changes, key=lambda c: (c.after_fetched_at, c.id), reverse=True)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", "Changes to archived articles")
    _sub(feed, "updated", format_iso(ordered[0].after_fetched_at if ordered else utcnow(), timespec="seconds"))
    author = _sub(feed, "author")
    _sub(author, "name", "news-archiver")
    _sub(feed, "generator", "news-archiver", version=__version__)
    if self_url:
        _sub(feed, "link", rel="self", href=self_url, type=ATOM_TYPE)
    for change in ordered:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"urn:news-archiver:change:{change.after_capture_id or change.id}")
        _sub(entry, "title", f"Edited ({', '.join(change.fields)}): {change.title or change.url}")
        _sub(entry, "updated", format_iso(change.after_fetched_at, timespec="seconds"))
        _sub(entry, "link", rel="alternate", href=change.url)
        for name in change.fields:
            _sub(entry, "category", term=name)
        _sub(entry, "summary", summary(change))
        _sub(entry, "content", _describe(change), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
