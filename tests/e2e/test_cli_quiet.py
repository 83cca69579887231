"""A failed fetch is said once, in the command's result: its exit code, no traceback, no Scrapy log line."""

from __future__ import annotations

from pathlib import Path

from support.cli import run_archiver

#: Port 1 on 127.0.0.1: privileged and unused, so a connection is refused at once.
REFUSED = "http://127.0.0.1:1"


def test_a_crawl_whose_sitemap_cannot_be_fetched_fails(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = run_archiver(home, "crawl", "--sitemap", f"{REFUSED}/sitemap.xml",
                          "-s", "RETRY_TIMES=0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "[scrapy" not in result.stderr, result.stderr
    assert "0 pages" in result.stdout and "1 errors" in result.stdout


def test_archive_of_a_refused_url_says_it_once(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = run_archiver(home, "archive", "--retries", "0", f"{REFUSED}/story")
    assert result.returncode == 1
    assert "refused" in result.stdout.lower()
    assert result.stderr == "", result.stderr  # no "ERROR: Gave up retrying" beside the result line
