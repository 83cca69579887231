"""Exit codes: one table (archiver.cli.exit_codes, docs/exit-codes.md), and every command keeps to it.

Every command and subcommand is run with ``--help`` (exit 0) and with an option it does not
have (exit 2, bad input); neither may print a Python traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.cli import run_cli
from typer.main import get_command

from archiver.cli import app, describe_os_error
from archiver.cli.crawl import crawl_exit_code
from archiver.cli.exit_codes import BAD_INPUT, EXIT_CODES, FAILURE, INTERRUPTED, OK, PARTIAL

DOCS = Path(__file__).resolve().parents[2] / "docs" / "exit-codes.md"


def _paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name in group.list_commands(None):
        command = group.get_command(None, name)
        found.append((*prefix, name))
        if hasattr(command, "commands"):  # a group
            found += _paths(command, (*prefix, name))
    return found


COMMAND_PATHS = _paths(get_command(app))
#: What goes before the bad option where the command takes unknown options as its own arguments.
BEFORE_BAD_OPTION = {("schedule", "add"): ("news", "--cron", "0 * * * *", "--")}


def test_the_table() -> None:
    assert (OK, FAILURE, BAD_INPUT, PARTIAL, INTERRUPTED) == (0, 1, 2, 3, 130)
    assert list(EXIT_CODES) == [0, 1, 2, 3, 130]


def test_every_code_is_documented_once() -> None:
    text = DOCS.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [int(row.split("`")[1]) for row in rows] == list(EXIT_CODES)


def test_every_command_and_subcommand_is_covered() -> None:
    assert {("archive",), ("crawl",), ("runs",), ("runs", "show"), ("db", "upgrade"), ("schedule",)} <= set(
        COMMAND_PATHS)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_help_and_a_bad_option(path: tuple[str, ...], tmp_path: Path) -> None:
    helped = run_cli(tmp_path / "archive", *path, "--help")
    assert helped.returncode == OK and "Traceback" not in helped.output
    bad = run_cli(tmp_path / "archive", *path, *BEFORE_BAD_OPTION.get(path, ()), "--no-such-option")
    assert bad.returncode == BAD_INPUT, bad.output
    assert "Traceback" not in bad.output and "no such option" in bad.output.lower(), bad.output
    assert not (tmp_path / "archive").exists()  # a usage error writes nothing


@pytest.mark.parametrize(("status", "counts", "code"), [
    ("finished", {"pages": 12, "errors": 0}, OK),
    ("max-pages", {"pages": 500, "errors": 0}, OK),
    ("finished", {"pages": 0, "errors": 1}, FAILURE),       # the sitemap itself could not be fetched
    ("finished", {"pages": 12, "errors": 2}, PARTIAL),
    ("failed", {"pages": 3, "errors": 0}, FAILURE),
    ("interrupted", {"pages": 3, "errors": 0}, INTERRUPTED),
])
def test_crawl_exit_code(status: str, counts: dict, code: int) -> None:
    assert crawl_exit_code(status, counts) == code


def test_os_errors_are_one_line_naming_the_file() -> None:
    error = OSError(30, "Read-only file system")
    error.filename = "/mnt/ro/archive"
    assert describe_os_error(error) == "/mnt/ro/archive: Read-only file system"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, where no directory can be created")
def test_a_home_that_cannot_be_created_is_one_line() -> None:
    home = Path("/proc/archiver-home")  # nothing can be made in /proc, as on a read-only file system, even by root
    written = run_cli(home, "reindex")
    assert written.returncode == FAILURE
    lines = written.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(home) in lines[0], written.stderr
    read = run_cli(home, "stats")
    assert read.returncode == FAILURE
    assert read.stderr.startswith(f"error: no archive here: {home} does not exist")
