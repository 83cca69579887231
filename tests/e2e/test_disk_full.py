"""A crawl into a 2 MB file system: it stops at the first failed write, says so in one line, loses nothing.

The free-space floor stops a crawl before that. The test of a full disk mounts a tmpfs (root
only; skipped otherwise), crawls the local crawl site into it with
the free-space floor off (``ARCHIVER_MIN_FREE=0``) until a write fails, then checks what is left:
no traceback, exit status 1, one line naming the path and the free space; no ``.open`` file;
every file passes ``warcio check``; ``verify`` works on the full disk and once space is back;
every record has its catalogue row and every row its record.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver, tool
from support.crawl_site import running_crawl_site

from storage.warc.reader import iter_records

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a 2 MB tmpfs needs root")


@pytest.fixture(scope="module")
def site():
    # Pages of 30-60 KB (some 10 KB gzip-encoded): a few dozen fill the disk.
    with running_crawl_site("--articles", "300", "--padding", "60000") as running:
        yield running


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs at ``tmp_path/disk``, unmounted at the end."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _orphans(home: Path, catalogue: Path) -> list[str]:
    """Records without their row and rows without their record (closed files only: none may stay open)."""
    conn = sqlite3.connect(catalogue)
    captures = {row[0]: row[1:] for row in conn.execute(
        "SELECT record_id, request_record_id, warc_file, warc_offset FROM captures WHERE record_id IS NOT NULL")}
    requests = {row[0] for row in captures.values()}
    conversions = {row[0] for row in conn.execute(
        "SELECT conversion_record_id FROM articles WHERE conversion_record_id IS NOT NULL")}
    with_article = {row[0] for row in conn.execute(
        "SELECT c.record_id FROM articles a JOIN captures c ON c.id = a.capture_id")}
    problems = []
    seen = set()
    for path in sorted((home / "warcs").glob("*.warc.gz")):
        for record in iter_records(path):
            seen.add(record.record_id)
            kind = record.record_type
            if kind in ("response", "revisit") and captures.get(record.record_id, (None, None, None))[1:] != (
                    path.name, record.offset):
                problems.append(f"{kind} {record.record_id} at {path.name}:{record.offset} has no row")
            elif kind == "request" and record.record_id not in requests:
                problems.append(f"request {record.record_id} has no capture row")
            elif kind == "conversion" and record.record_id not in conversions:
                problems.append(f"conversion {record.record_id} has no article row")
            elif kind == "metadata" and record.header("WARC-Refers-To") not in with_article:
                problems.append(f"metadata {record.record_id} has no article row")
    problems += [f"row of {record_id} has no record" for record_id in captures if record_id not in seen]
    problems += [f"article conversion {record_id} has no record" for record_id in conversions - seen]
    return problems


def test_below_the_floor_a_crawl_stops_before_it_fetches_and_says_so(site, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = run_archiver(home, "crawl", "--sitemap", site.url + "robots.txt", "--json",
                          env={"ARCHIVER_MIN_FREE": "1000000TB"})
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "below ARCHIVER_MIN_FREE (1000000.0 TB)" in result.stderr
    [run] = [line for line in json_lines(result.stdout) if line.get("event") == "run"]
    assert run["status"] == "min-free" and run["counts"]["pages"] == 0
    assert run_archiver(home, "verify").returncode == 0


@needs_root
@pytest.mark.parametrize("catalogue_on_small_disk", [True, False], ids=["all-on-small-disk", "warcs-on-small-disk"])
def test_a_crawl_that_fills_the_disk_stops_cleanly_and_loses_nothing(site, small_disk: Path, tmp_path: Path,
                                                                     catalogue_on_small_disk: bool) -> None:
    if catalogue_on_small_disk:
        home, catalogue, env = small_disk / "archive", small_disk / "archive" / "catalogue.sqlite", {}
    else:  # the WARC write is what fails
        home, catalogue = small_disk / "archive", tmp_path / "catalogue.sqlite"
        env = {"ARCHIVER_DATABASE_URL": f"sqlite:///{catalogue}"}
    result = run_archiver(home, "crawl", "--sitemap", site.url + "robots.txt",
                          env={**env, "ARCHIVER_MIN_FREE": "0"})
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    [line] = lines
    assert line.startswith("error: disk full: cannot write ") and " free)" in line, line
    assert str(small_disk) in line  # names the path on the full disk
    assert "Traceback" not in result.stdout + result.stderr

    warcs = sorted((home / "warcs").glob("*"))
    assert warcs and all(path.name.endswith(".warc.gz") for path in warcs), warcs  # closed, renamed
    for path in warcs:
        check = subprocess.run([tool("warcio"), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, f"{path.name}: {check.stdout}{check.stderr}"

    # verify reads on the full disk (it writes nothing), and again once there is room.
    full = run_archiver(home, "verify", env=env)
    assert full.returncode == 0 and "Traceback" not in full.stderr, full.stdout + full.stderr
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    verify = run_archiver(home, "verify", "--deep", env=env)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert _orphans(home, catalogue) == []
    conn = sqlite3.connect(catalogue)
    archived = conn.execute("SELECT count(*) FROM captures WHERE warc_file IS NOT NULL").fetchone()[0]
    assert archived > 5  # it did crawl before the disk filled up
