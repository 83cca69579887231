"""The JSON shapes of the API: the same objects the CLI's ``--json`` prints (:mod:`archiver.services.records`)."""

from __future__ import annotations

from archiver.services.records import (
    capture_record,
    diff_record,
    entry_record,
    hit_record,
    run_record,
    schedule_records,
)

__all__ = ["capture_record", "diff_record", "entry_record", "hit_record", "run_record", "schedule_records"]
