"""Compression bombs (issue 19, item 1): archived as received, flagged ``decoded-limit``, memory bounded.

One ``archiver archive`` run over a gzip, a deflate and a brotli bomb (1 GiB decoded each) and
a plain page, started from a small Python wrapper that reports the maximum RSS of its children
(``RUSAGE_CHILDREN``: the archiver and its extraction workers), so nothing else this test
process ran is counted.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import urllib.request

import pytest
from support.bomb_site import PAGE_TITLE, running_bomb_site
from support.cli import archiver_env, json_lines, run_archiver, tool

from storage.warc import read_record

BOMBS = {"/gzip-bomb": "gzip", "/deflate-bomb": "deflate", "/br-bomb": "br"}
RSS_LIMIT_MB = 300
_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
sys.stdout.write(done.stdout)
print("MAXRSS_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode, file=sys.stderr)
"""


@pytest.fixture(scope="module")
def site():
    with running_bomb_site() as url:
        yield url


@pytest.fixture(scope="module")
def bombed(site, tmp_path_factory):
    """``archive --json`` of the three bombs and a page; returns (home, results by path, max RSS in MB, stderr)."""
    home = tmp_path_factory.mktemp("bombs") / "archive"
    urls = [site + path.lstrip("/") for path in [*BOMBS, "/page"]]
    done = subprocess.run([sys.executable, "-c", _MEASURE, tool("archiver"), "archive", "--json", "--retries", "0",
                           *urls], capture_output=True, text=True, env=archiver_env(home), cwd=home.parent,
                          timeout=300)
    last = [line for line in done.stderr.splitlines() if line.startswith("MAXRSS_KB")][-1].split()
    results = {"/" + r["url"].removeprefix(site): r for r in json_lines(done.stdout)}
    return home, results, int(last[1]) / 1024, done.stderr


def wire_body(site: str, path: str) -> bytes:
    request = urllib.request.Request(site + path.lstrip("/"), headers={"Accept-Encoding": "identity"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as response:
        return response.read()


def test_the_archiver_stays_under_300_mb_and_goes_on_to_the_next_url(bombed) -> None:
    home, results, max_rss_mb, stderr = bombed
    print(f"max RSS of archiver archive over three 1 GiB bombs: {max_rss_mb:.0f} MB")
    assert max_rss_mb < RSS_LIMIT_MB, stderr
    assert "Traceback" not in stderr
    assert results["/page"]["title"] == PAGE_TITLE and results["/page"]["error"] is None


@pytest.mark.parametrize("path", list(BOMBS))
def test_each_bomb_is_archived_as_received_and_flagged(bombed, site, path: str) -> None:
    home, results, _, _ = bombed
    result = results[path]
    assert result["status"] == 200 and result["flags"] == ["decoded-limit"]
    assert result["error"].startswith(f"the {BOMBS[path]} body decodes to more than 64000000 bytes")
    assert result["title"] is None
    record = read_record(home / "warcs" / result["warc_file"], result["warc_offset"],
                         expected_length=result["warc_length"])
    assert record.header("Archiver-Flags") == "decoded-limit"
    assert record.http_header("Content-Encoding") == BOMBS[path]
    assert hashlib.sha1(record.payload).digest() == hashlib.sha1(wire_body(site, path)).digest()


def test_reindex_gives_the_flag_back_and_get_decoded_refuses_in_one_line(bombed) -> None:
    home, results, _, _ = bombed
    capture_id = results["/gzip-bomb"]["id"]
    decoded = run_archiver(home, "get", str(capture_id), "--decoded")
    assert decoded.returncode == 1 and "Traceback" not in decoded.stderr
    assert "decodes to more than 64000000 bytes" in decoded.stderr
    assert len(decoded.stderr.strip().splitlines()) == 1
    rebuilt = run_archiver(home, "reindex", "--from-scratch")
    assert rebuilt.returncode == 0, rebuilt.stderr
    flagged = [json.loads(run_archiver(home, "show", "--json", str(r["id"])).stdout)
               for r in results.values()]
    assert sorted(tuple(c["flags"]) for c in flagged) == [(), ("decoded-limit",), ("decoded-limit",),
                                                          ("decoded-limit",)]


def test_extraction_from_the_warc_stops_at_the_limit_with_one_line(bombed) -> None:
    home, results, _, _ = bombed
    for path in BOMBS:
        extract = run_archiver(home, "extract", results[path]["url"])
        assert extract.returncode == 1 and "Traceback" not in extract.stderr, extract.stderr
        assert "decodes to more than 64000000 bytes" in extract.stderr
