"""A page's requisites as ``archiver show`` prints them: the JSON object and the text lines."""

from __future__ import annotations

from typing import Any

from storage.catalogue import PageRequisite

__all__ = ["requisites_record", "requisites_text"]


def requisites_record(requisites: list[PageRequisite]) -> dict[str, Any]:
    """``count`` listed, ``archived`` whole, ``bytes`` archived, ``missing`` (URL, kind, reason) and every ``item``."""
    missing = [{"url": r.url, "kind": r.kind, "reason": r.problem} for r in requisites if r.problem]
    return {
        "count": len(requisites),
        "archived": len(requisites) - len(missing),
        "bytes": sum(r.bytes for r in requisites),
        "missing": missing,
        "items": [_item(r) for r in requisites],
    }


def requisites_text(requisites: list[PageRequisite]) -> str:
    """A summary line and one line per missing requisite (empty when the page has none)."""
    if not requisites:
        return ""
    summary = requisites_record(requisites)
    lines = [f"\nRequisites: {summary['count']} ({summary['archived']} archived, {summary['bytes']:,} bytes, "
             f"{len(summary['missing'])} missing)"]
    lines += [f"  missing {item['url']} ({item['kind'] or 'unknown'}): {item['reason']}"
              for item in summary["missing"][:50]]
    if len(summary["missing"]) > 50:
        lines.append(f"  ... and {len(summary['missing']) - 50} more (see --json)")
    return "\n".join(lines) + "\n"


def _item(requisite: PageRequisite) -> dict[str, Any]:
    capture = requisite.capture
    return {
        "url": requisite.url,
        "kind": requisite.kind,
        "capture_id": capture.id if capture is not None else None,
        "status": capture.status if capture is not None else None,
        "content_type": capture.content_type if capture is not None else None,
        "record_type": capture.record_type if capture is not None else None,
        "bytes": requisite.bytes,
        "truncated": capture.truncated if capture is not None else None,
        "problem": requisite.problem,
    }
