"""Insert one new row with a single Core statement instead of the ORM's unit of work.

A crawl adds three rows per page (capture, article, revisit plan), each in its own short
transaction. For one row the ORM's flush (state bookkeeping, dependency sort, identity map)
cost more than the INSERT itself: about 0.3 ms against 0.13 ms on SQLite. :func:`insert_row`
takes the same mapped object the ORM would, runs one ``INSERT`` on the session's connection,
and fills in what the flush would have: the new primary key and the Python-side column
defaults (``fetched_at``, ``host_key``, ...).

The object stays *transient*: read its attributes, but do not add it to a session (that would
insert it a second time).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, cast

from sqlalchemy import Row, Table, insert, inspect
from sqlalchemy.orm import Session

from storage.catalogue.models import Base

__all__ = ["insert_row"]


def insert_row(session: Session, row: Base) -> None:
    """INSERT ``row`` in ``session``'s transaction; set its primary key and the defaults the insert used."""
    mapper = inspect(type(row))
    given = row.__dict__
    columns = {attribute.key: attribute.columns[0].key for attribute in mapper.column_attrs}
    table = cast(Table, mapper.local_table)  # every model is mapped to a Table
    result = session.connection().execute(
        insert(table), {column: given[key] for key, column in columns.items() if key in given})
    # One row inserted: its key and its parameters, not the None or list of the executemany forms.
    inserted_key = cast("Row[Any]", result.inserted_primary_key)
    for key_column, value in zip(mapper.primary_key, inserted_key, strict=True):
        setattr(row, mapper.get_property_by_column(key_column).key, value)
    used = cast("MutableMapping[str, Any]", result.last_inserted_params())
    for key, column in columns.items():
        if key not in given and column in used:
            setattr(row, key, used[column])
