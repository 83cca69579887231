"""The sample archive the export tests export, and how they read an export back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Archive
from storage.catalogue import queries
from storage.catalogue.models import Capture
from storage.warc.reader import iter_records, read_raw
from support.catalogue_samples import config_for, sample_catalogue
from support.cli import run_cli


def built_catalogue(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue (:func:`support.catalogue_samples.sample_catalogue`) in a fresh home on ``backend``:
    yields (home, capture ids by name); for module-scoped fixtures."""
    home = tmp_path_factory.mktemp("export") / "archive"
    with sample_catalogue(home, backend) as ids:
        yield home, ids


def open_archive(home: Path) -> Archive:
    """The archive at ``home``, on the catalogue registered for it."""
    return Archive(config_for(home))


def export(home: Path, out: Path, *args: str) -> str:
    """``archiver export ARGS -o OUT`` in process; must succeed; its stderr (the summary)."""
    code, _out, err = run_cli(home, "export", *args, "-o", str(out))
    assert code == 0, err
    return err


def members(path: Path) -> dict[str, tuple[str, bytes]]:
    """Every record of a WARC file by id: its type and its bytes (the whole gzip member)."""
    return {r.record_id: (r.record_type, read_raw(path, r.offset, r.length or 0)) for r in iter_records(path)}


def source_records(home: Path) -> dict[str, tuple[str, bytes]]:
    """:func:`members` of every WARC file of the archive at ``home``."""
    found: dict[str, tuple[str, bytes]] = {}
    for path in sorted((home / "warcs").glob("*.warc.gz")):
        found.update(members(path))
    return found


def expected_ids(home: Path, capture_ids: list[int]) -> set[str]:
    """What an export of these captures must hold: worked out from the catalogue and the source WARC."""
    with open_archive(home) as archive, archive.db.session() as session:
        captures = list(queries.captures_by_ids(session, capture_ids).values())
        captures += [session.get(Capture, c.revisit_of_id) for c in captures if c.revisit_of_id]
        wanted = set()
        for capture in captures:
            wanted |= {capture.record_id, capture.request_record_id}
            if capture.article is not None:
                wanted.add(capture.article.conversion_record_id)
    for path in (home / "warcs").glob("*.warc.gz"):
        for record in iter_records(path):
            if record.record_type == "warcinfo" or (
                    record.record_type == "metadata" and record.header("WARC-Concurrent-To") in wanted):
                wanted.add(record.record_id)
    return wanted
