"""``archiver export`` writes what the file name says, or refuses the name (exit 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import run_cli

from archiver.cli.export import suffix_mismatch
from archiver.services.export.registry import exporter, exporters


@pytest.mark.parametrize(("fmt", "name"), [("warc", "all.warc.gz"), ("wacz", "afp.wacz"), ("jsonl", "afp.jsonl"),
                                           ("csv", "AFP.CSV"), ("jsonl", "afp.json"), ("markdown", "notes"),
                                           ("warc", "selection")])
def test_names_that_fit(fmt: str, name: str) -> None:
    assert suffix_mismatch(exporter(fmt), name, exporters()) is None


@pytest.mark.parametrize(("fmt", "name", "says"), [
    ("warc", "all.warc", "name the file all.warc.gz"),
    ("jsonl", "afp.csv", "named as --format csv"),
    ("csv", "all.warc.gz", "named as --format warc"),
    ("markdown", "afp.wacz", "named as --format wacz"),
])
def test_names_that_do_not(fmt: str, name: str, says: str) -> None:
    assert says in (suffix_mismatch(exporter(fmt), name, exporters()) or "")


def test_the_command_refuses_before_writing(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    home.mkdir()
    target = tmp_path / "all.warc"
    result = run_cli(home, "export", "--format", "warc", "-o", str(target))
    assert result.returncode == 2 and "writes gzip" in result.stderr, result.output
    assert not target.exists()
