"""Exchanges that produced bytes are archived even when their redirect target or URL is awkward (issue 19, item 6).

A 302 whose ``Location`` is no URL (``http://[::1``) used to make the capture (and Scrapy's
RedirectMiddleware) raise, leaving no capture at all; a 5,000-character URL was dropped unfetched
by Scrapy's URLLENGTH_LIMIT (2083) with "not fetched (see the log with -v)".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.bomb_site import PAGE_TITLE, running_bomb_site
from support.cli import json_lines, run_archiver

from storage.warc import read_record


@pytest.fixture(scope="module")
def site():
    with running_bomb_site() as url:
        yield url


@pytest.fixture(scope="module")
def archived(site, tmp_path_factory) -> tuple[Path, dict[str, dict], str]:
    home = tmp_path_factory.mktemp("redirects") / "archive"
    long_url = site + "long/" + "a" * (5000 - len(site) - 5)
    done = run_archiver(home, "archive", "--json", site + "bad-location", long_url)
    assert "Traceback" not in done.stderr, done.stderr
    return home, {r["url"]: r for r in json_lines(done.stdout)}, long_url


def test_a_malformed_location_is_archived_with_a_one_line_error(archived, site) -> None:
    home, results, _ = archived
    result = results[site + "bad-location"]
    assert result["id"] is not None and result["status"] == 302
    assert result["error"] == "redirect not followed: its Location 'http://[::1' is not a URL (Invalid IPv6 URL)"
    assert result["redirect_location"] is None
    record = read_record(home / "warcs" / result["warc_file"], result["warc_offset"],
                         expected_length=result["warc_length"])
    assert record.http_header("Location") == "http://[::1" and record.payload == b"<html>moved</html>"
    shown = run_archiver(home, "show", str(result["id"]))
    assert "is not a URL" in shown.stdout and "Traceback" not in shown.stderr


def test_a_5000_character_url_is_archived(archived) -> None:
    home, results, long_url = archived
    assert len(long_url) == 5000
    result = results[long_url]
    assert result["status"] == 200 and result["error"] is None and result["title"] == PAGE_TITLE
    record = read_record(home / "warcs" / result["warc_file"], result["warc_offset"])
    assert record.target_uri == long_url


def test_a_url_past_urllength_limit_is_refused_in_one_line(site, tmp_path: Path) -> None:
    url = site + "long/" + "b" * 20000
    done = run_archiver(tmp_path / "archive", "archive", url)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "more than URLLENGTH_LIMIT (16384)" in lines[0], done.stderr
