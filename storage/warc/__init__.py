"""WARC files: writing (rotating, crash-safe) and reading (by offset or by iteration)."""

from storage.warc.http import HttpRequest, HttpResponse
from storage.warc.reader import ArchivedRecord, decode_payload, iter_records, read_record, resolve_warc_path
from storage.warc.writer import ExchangeLocation, RecordLocation, RevisitTarget, WarcWriter, payload_digest

__all__ = [
    "ArchivedRecord",
    "ExchangeLocation",
    "HttpRequest",
    "HttpResponse",
    "RecordLocation",
    "RevisitTarget",
    "WarcWriter",
    "decode_payload",
    "iter_records",
    "payload_digest",
    "read_record",
    "resolve_warc_path",
]
