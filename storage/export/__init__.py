"""Exports of the archive: records (JSON Lines, CSV), WARC and WACZ. No CLI code here.

The names below are imported on first use: ``storage.export.records`` (what ``search --json``
needs) must not pull in the WACZ and WARC writers (cdxj-indexer, pkg_resources: ~0.3 s).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.export.records import (
        FIELDS,
        SCREENSHOT_FIELDS,
        article_record,
        from_csv_row,
        write_csv,
        write_jsonl,
    )
    from storage.export.selection import ExportSelection, selected_articles
    from storage.export.wacz import WaczExport, export_wacz
    from storage.export.warc import WarcExport, export_warc, plan_records

#: name -> the submodule that defines it.
_WHERE = {
    "FIELDS": "records", "SCREENSHOT_FIELDS": "records", "article_record": "records", "from_csv_row": "records",
    "write_csv": "records", "write_jsonl": "records",
    "ExportSelection": "selection", "selected_articles": "selection",
    "WaczExport": "wacz", "export_wacz": "wacz",
    "WarcExport": "warc", "export_warc": "warc", "plan_records": "warc",
}

__all__ = [
    "FIELDS",
    "SCREENSHOT_FIELDS",
    "ExportSelection",
    "WaczExport",
    "WarcExport",
    "article_record",
    "export_wacz",
    "export_warc",
    "from_csv_row",
    "plan_records",
    "selected_articles",
    "write_csv",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"storage.export.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
