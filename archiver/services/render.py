"""Render a catalogued article for people: plain text or Markdown (as in the seed example)."""

from __future__ import annotations

from storage.catalogue import Article, Capture
from storage.timefmt import parse_iso

__all__ = ["human_date", "to_markdown", "to_text"]


def human_date(value: str | None) -> str | None:
    """``2023-04-16T12:05:00+03:00`` → ``April 16, 2023`` (the page's own day); None stays None."""
    if not value:
        return None
    try:
        parsed = parse_iso(value, keep_offset=True)
    except ValueError:
        return value
    return f"{parsed:%B} {parsed.day}, {parsed.year}"


def _paragraphs(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split("\n") if p.strip()]


def to_markdown(capture: Capture, article: Article | None) -> str:
    """``# Title``, byline, date, body paragraphs, and the original URL at the end."""
    parts: list[str] = []
    if article and article.title:
        parts.append(f"# {article.title}")
    if article and article.authors:
        parts.append("By " + ", ".join(article.authors))
    date = human_date(article.published) if article else None
    if date:
        parts.append(date)
    parts.extend(_paragraphs(article.text if article else None))
    parts.append(f"Original url:\n\n<{capture.url}>")
    return "\n\n".join(parts) + "\n"


def _listed_in(listing: dict | None) -> str | None:
    """Where a crawl found the page, and the date that listing gave: ``https://.../feed.xml (2024-04-02)``."""
    if not listing or not listing.get("source"):
        return None
    when = listing.get("published") or listing.get("updated") or listing.get("lastmod")
    return listing["source"] + (f" ({human_date(when) or when})" if when else "")


def to_text(capture: Capture, article: Article | None) -> str:
    """A header of metadata lines, a blank line, then the body text."""
    lines = [f"URL:        {capture.url}"]
    if capture.requested_url != capture.url:
        lines.append(f"Requested:  {capture.requested_url}")
    lines.append(f"Captured:   {capture.fetched_at:%Y-%m-%d %H:%M:%S} UTC (capture {capture.id})")
    status = "stored resource" if capture.record_type == "resource" else "no response"
    lines.append(f"Status:     {capture.status if capture.status is not None else status}"
                 + (f" ({capture.content_type})" if capture.content_type else ""))
    if capture.error:
        lines.append(f"Error:      {capture.error}")
    if article:
        for label, value in (("Title", article.title), ("Authors", "; ".join(article.authors)),
                             ("Published", article.published), ("Modified", article.modified),
                             ("Site", article.sitename), ("Language", article.language),
                             ("Words", str(article.word_count)), ("Listed in", _listed_in(article.listing))):
            if value:
                lines.append(f"{label + ':':<11} {value}")
    lines.append("")
    if article and article.text:
        lines.append("\n\n".join(_paragraphs(article.text)))
    else:
        lines.append("(no article text)")
    return "\n".join(lines) + "\n"
