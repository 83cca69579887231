"""The JSON shapes of the API: the same objects the CLI's ``--json`` prints, where the CLI has one.

Search hits are ``archiver search --json`` objects, captures ``archiver show --json``,
history entries ``archiver history --json``, diffs ``archiver diff --json`` and runs
``archiver runs --json``; schedules have the fields of ``archiver schedule list --json``.
"""

from __future__ import annotations

from archiver.cli.common import capture_record
from archiver.cli.diff import diff_record
from archiver.cli.history import entry_record
from archiver.cli.runs import run_record
from archiver.cli.schedule import schedule_records
from archiver.cli.search import hit_record

__all__ = ["capture_record", "diff_record", "entry_record", "hit_record", "run_record", "schedule_records"]
