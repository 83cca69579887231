"""How a capture's renderings (rendered DOM, screenshots) are described to users: JSON and text.

``show`` (text and ``--json``), the API's capture JSON and the exports name each rendering the
same way: its kind, source, content type, size and the WARC record holding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.catalogue import Rendering

__all__ = ["FULL_PAGE", "DOM", "latest", "rendering_record", "renderings_text"]

FULL_PAGE = "fullPage"
DOM = "dom"


def rendering_record(rendering: Rendering) -> dict[str, Any]:
    """One rendering as JSON: ``id``, ``kind``, ``source``, ``content_type``, ``bytes`` and its WARC record."""
    return {"id": rendering.id, "kind": rendering.kind, "source": rendering.source,
            "content_type": rendering.content_type, "bytes": rendering.payload_length,
            "record_id": rendering.record_id, "warc_file": rendering.warc_file,
            "warc_offset": rendering.warc_offset, "warc_length": rendering.warc_length,
            "created_at": rendering.created_at.isoformat().replace("+00:00", "Z") if rendering.created_at else None}


def latest(renderings: Sequence[Rendering], kind: str) -> Rendering | None:
    """The rendering of ``kind`` to show: one from the browser lane before one from replay, newest first.

    ``renderings`` newest first, as the catalogue lists them.
    """
    mine = [r for r in renderings if r.kind == kind]
    return next((r for r in mine if r.source == "browser"), mine[0] if mine else None)


def renderings_text(renderings: Sequence[Rendering]) -> str:
    """The renderings block of ``show``'s text output ('' when there is none)."""
    if not renderings:
        return ""
    lines = ["", "Renderings:"]
    for r in renderings:
        lines.append(f"  {r.kind:<9} {r.source:<8} {r.content_type}  {r.payload_length} bytes  {r.record_id}")
    return "\n".join(lines) + "\n"
