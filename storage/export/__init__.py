"""Exports of the archive: records (JSON Lines, CSV), WARC and WACZ. No CLI code here."""

from storage.export.records import FIELDS, SCREENSHOT_FIELDS, article_record, from_csv_row, write_csv, write_jsonl
from storage.export.selection import ExportSelection, selected_articles
from storage.export.wacz import WaczExport, export_wacz
from storage.export.warc import WarcExport, export_warc, plan_records

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
