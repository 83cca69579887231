"""A read-only archive (a copy on a read-only disk or mount) is searched and read; commands that write say no.

Tests run as any user, root included, for whom nothing is read-only: the one check of
writability (:func:`storage.catalogue.database.is_writable`) is made to answer no.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.catalogue_samples import add_article, config_for
from support.cli import run_cli

from storage import Archive
from storage.catalogue import database

URL = "https://news.example/2026/11/30/port-strike"


@pytest.fixture
def read_only_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "archive"
    with Archive(config_for(home)) as archive:
        add_article(archive, URL, title="Port workers strike", text="Port workers stopped work over pay. " * 20)
    for leftover in home.glob("catalogue.sqlite-*"):  # -wal, -shm: a copy has only the file
        leftover.unlink()
    monkeypatch.setattr(database, "is_writable", lambda path: False)
    return home


def _files(home: Path) -> set[str]:
    return {str(path.relative_to(home)) for path in home.rglob("*")}


@pytest.mark.parametrize("command", [("search", "port", "--json"), ("show", URL, "--json"), ("history", URL),
                                     ("stats", "--json"), ("runs",), ("verify",), ("get", URL)])
def test_read_commands_work_and_write_nothing(read_only_home: Path, command: tuple[str, ...]) -> None:
    before = _files(read_only_home)
    result = run_cli(read_only_home, *command)
    assert result.returncode == 0, result.output
    assert _files(read_only_home) == before  # no -wal, -shm, lock or migration


def test_search_finds_the_article(read_only_home: Path) -> None:
    hits = [json.loads(line) for line in run_cli(read_only_home, "search", "port", "--json").stdout.splitlines()]
    assert [hit["url"] for hit in hits] == [URL]


def test_write_commands_say_it_in_one_line(read_only_home: Path) -> None:
    result = run_cli(read_only_home, "reindex")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: the archive is read-only: cannot write {read_only_home / 'catalogue.sqlite'}; commands that only "
        "read (search, show, get, export, ...) still work"]


def test_a_read_command_creates_no_archive_where_none_is(tmp_path: Path) -> None:
    home = tmp_path / "archvie"  # mistyped
    result = run_cli(home, "search", "port")
    assert result.returncode == 1 and "no archive here" in result.stderr
    assert not home.exists()


def test_a_mistyped_catalogue_url_is_refused_by_read_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no-such-dir/catalogue.sqlite"
    result = run_cli(tmp_path / "archive", "stats", env={"ARCHIVER_DATABASE_URL": url})
    assert result.returncode == 1 and "no archive here" in result.stderr
    assert not (tmp_path / "no-such-dir").exists()
