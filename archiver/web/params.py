"""The numbers a URL may carry, validated in one place for the API and the pages.

The catalogue's ids are 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT): a larger number in
a URL used to reach the database driver and come back as HTTP 500. Every route takes its ids,
offsets, page numbers and status filters through the types here:

- ids (:data:`CaptureId`): a number that no capture can have is answered 404 ``no capture N``,
  as any other id that is not there;
- counts and positions (:data:`Offset`, :data:`PageNumber`, :data:`MinWords`) and HTTP status
  filters (:data:`StatusFilter`, :func:`parse_status`): out of range is 422 for the API and 400
  for the pages (the app's validation handler), with a message naming the parameter.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query
from fastapi import Path as PathParam

__all__ = [
    "ID_MAX",
    "OFFSET_MAX",
    "STATUS_MAX",
    "STATUS_MIN",
    "CaptureId",
    "MinWords",
    "Offset",
    "PageNumber",
    "StatusFilter",
    "capture_id_in_range",
    "id_query",
    "parse_status",
]

#: The largest id the catalogue can hold (a signed 64-bit integer).
ID_MAX = 2**63 - 1
#: The largest offset into a result list (far beyond any archive; offset + limit stays a 64-bit integer).
OFFSET_MAX = 2**31 - 1
#: HTTP status codes a status filter may name.
STATUS_MIN, STATUS_MAX = 100, 599


def capture_id_in_range(capture_id: Annotated[int, PathParam(description="A capture id.")]) -> int:
    """The capture id of the path; 404 ``no capture N`` when no capture can have it."""
    if not 1 <= capture_id <= ID_MAX:
        raise HTTPException(404, f"no capture {capture_id}")
    return capture_id


def id_query(alias: str, description: str) -> Any:
    """The ``Query`` of an optional capture id named ``alias`` (e.g. ``from``), kept within the catalogue's range."""
    return Query(alias=alias, ge=-ID_MAX, le=ID_MAX, description=description)


#: A capture id in a path (``/api/captures/{capture_id}``, ``/captures/…``, ``/replay/…``).
CaptureId = Annotated[int, Depends(capture_id_in_range)]
#: An offset into a list of results.
Offset = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="Skip this many results.")]
#: A page number of the search page.
PageNumber = Annotated[int, Query(le=OFFSET_MAX // 1000, description="The page of results (from 1; less is 1).")]
#: An HTTP status to filter captures by.
StatusFilter = Annotated[int | None, Query(ge=STATUS_MIN, le=STATUS_MAX,
                                           description="Only captures with this HTTP status.")]
#: A minimum word count.
MinWords = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="At least this many words added + removed.")]


def parse_status(text: str) -> int | None:
    """A status filter typed into a form: None when empty; ValueError with a message otherwise."""
    if not text.strip():
        return None
    try:
        status = int(text)
    except ValueError:
        raise ValueError(f"status {text!r} is not a number") from None
    if not STATUS_MIN <= status <= STATUS_MAX:
        raise ValueError(f"status {text!r} is not an HTTP status ({STATUS_MIN}-{STATUS_MAX})")
    return status
