"""Nothing lost, nothing dangling: recovery after SIGKILL, reindex from WARCs, deep verify."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver, start_archiver, tool
from support.fixture_site import ARTICLE_PATH, running_site

from storage import Archive, StorageConfig
from storage.catalogue import queries
from storage.warc import read_record
from storage.warc.reader import ScanProblem, scan_file

ROOT = Path(__file__).resolve().parents[2]

ARCHIVE_WRITER = textwrap.dedent(
    """
    import random, sys
    from storage import Archive, ArticleData, StorageConfig
    from storage.warc import HttpRequest, HttpResponse
    config = StorageConfig.from_env({}, home=sys.argv[1], warc_max_size=150_000, fsync_interval=0)
    rng = random.Random(2)
    with Archive(config) as archive:
        for i in range(10_000):
            body = rng.randbytes(rng.randint(500, 30_000))
            capture = archive.record_exchange(
                f"http://news.example/{i}", HttpRequest("GET", f"/{i}", [("Host", "news.example")]),
                HttpResponse(200, [("Content-Type", "text/html")], body))
            archive.record_article(capture, ArticleData(title=f"story {i}", text=f"words of story {i}"))
            print(i, flush=True)
    """
)


def all_problems(home: Path) -> list:
    if not home.exists():  # killed before it made anything; verify refuses an archive that is not there
        assert "no archive here" in run_archiver(home, "verify", "--json").stderr
        return []
    result = run_archiver(home, "verify", "--json")
    report = json.loads(result.stdout)
    assert (result.returncode == 0) == report["ok"]
    return report["problems"]


def test_archive_killed_mid_write_recovers_on_next_open(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", ARCHIVE_WRITER, str(home)], stdout=subprocess.PIPE, text=True,
                            env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if int(line) >= 25:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert list((home / "warcs").glob("*.open")), "the killed writer should leave an .open file"

    config = StorageConfig.from_env({}, home=home)
    with Archive(config) as archive:
        [recovered] = archive.recovered
        assert recovered.records > 0
    assert not list((home / "warcs").glob("*.open"))
    assert all_problems(home) == []
    for path in (home / "warcs").glob("*.warc.gz"):
        check = subprocess.run([tool("warcio"), "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout


def wait_for_open_warc(home: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Return once ``proc`` has an ``.open`` WARC file in ``home`` (or has ended)."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not list((home / "warcs").glob("*.open")):
        assert time.monotonic() < deadline, "the crawl wrote no WARC file in time"
        time.sleep(0.02)


def test_crawl_killed_at_ten_moments_always_verifies(tmp_path: Path) -> None:
    with running_site() as site:
        urls = [f"{site.url.rstrip('/')}{path}?n={n}" for n in range(12)
                for path in (ARTICLE_PATH, "/chunked", "/cp1251", "/changing", "/redirect")]
        home = tmp_path / "archive"
        checked: set[Path] = set()
        for moment in range(10):
            proc = start_archiver(home, "archive", *urls, env={"ARCHIVER_WARC_MAX_SIZE": "40KB"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if moment == 0:
                time.sleep(0.3)  # during start-up, before anything is written
            else:
                # Counted from the first WARC bytes, so a slow start on a loaded machine
                # does not turn every kill into a kill during start-up.
                wait_for_open_warc(home, proc)
                time.sleep(0.15 * (moment - 1))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert all_problems(home) == [], f"after a kill at moment {moment}"
            for path in sorted(set((home / "warcs").glob("*.warc.gz")) - checked):  # closed files never change
                check = subprocess.run([tool("warcio"), "check", str(path)], capture_output=True, text=True)
                assert check.returncode == 0, f"{path.name}: {check.stdout}"
                checked.add(path)
        with Archive(StorageConfig.from_env({}, home=home)) as archive, archive.db.session() as session:
            assert queries.count_captures(session) > 0
            for capture in queries.captures_with_location(session):
                size = (home / "warcs" / capture.warc_file).stat().st_size
                assert capture.warc_offset + capture.warc_length <= size


@pytest.fixture(scope="module")
def site():
    with running_site() as running:
        yield running


def test_reindex_from_scratch_gives_back_the_same_articles(site, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    urls = [site.url.rstrip("/") + p for p in (ARTICLE_PATH, "/cp1251", "/chunked", "/redirect", "/copy/frustration")]
    run_archiver(home, "archive", *urls)
    config = StorageConfig.from_env({}, home=home)

    def snapshot() -> tuple:
        with Archive(config) as archive, archive.db.session() as session:
            found = [(a.title, a.author, a.published, a.text) for a in queries.full_text_search(session, "Armenia")]
            captures = sorted((c.url, c.status, c.record_type, c.warc_file, c.warc_offset)
                              for c in queries.captures_with_location(session))
        return sorted(found, key=str), captures

    before = snapshot()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home / 'catalogue.sqlite'}{suffix}").unlink(missing_ok=True)
    result = run_archiver(home, "reindex", "--json")
    assert result.returncode == 0, result.stderr
    assert all_problems(home) == []
    assert snapshot() == before
    again = json.loads(run_archiver(home, "reindex", "--json").stdout)
    assert again["captures_added"] == 0 and again["articles_added"] == 0  # idempotent
    scratch = json.loads(run_archiver(home, "reindex", "--from-scratch", "--json").stdout)
    assert scratch["captures_added"] == len(before[1]) and snapshot() == before


@pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed (apt-get install wget)")
def test_wget_warc_is_reindexed_and_searchable(site, tmp_path: Path) -> None:
    out = tmp_path / "wget"
    out.mkdir()
    url = site.url.rstrip("/") + ARTICLE_PATH
    subprocess.run(["wget", "--quiet", "--no-config", "--warc-file=fromwget", "--no-warc-keep-log",
                    "-O", "/dev/null", url, site.url.rstrip("/") + "/cp1251"], cwd=out, check=False, timeout=60)
    warc = out / "fromwget.warc.gz"
    assert warc.exists()
    home = tmp_path / "archive"
    result = run_archiver(home, "reindex", "--json", str(warc))
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["captures_added"] >= 2 and summary["articles_added"] >= 2
    with Archive(StorageConfig.from_env({}, home=home)) as archive, archive.db.session() as session:
        [hit] = queries.full_text_search(session, "CSTO")
        assert hit.title == "Frustration With Russia Grows in Armenia"
        assert hit.capture.url == url
    assert all_problems(home) == []


def test_one_corrupt_byte_is_named_and_the_rest_still_reads(site, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    urls = [site.url.rstrip("/") + p for p in ("/cp1251", ARTICLE_PATH, "/chunked")]
    records = {r["url"]: r for r in json_lines(run_archiver(home, "archive", "--json", *urls).stdout)}
    victim = records[urls[1]]
    path = home / "warcs" / victim["warc_file"]
    data = bytearray(path.read_bytes())
    middle = victim["warc_offset"] + victim["warc_length"] // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))

    result = run_archiver(home, "verify", "--deep", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    named = [p for p in report["problems"] if p["warc_file"] == victim["warc_file"]
             and p["offset"] == victim["warc_offset"]]
    assert named, report["problems"]
    assert any(p.get("capture_id") == victim["id"] for p in named)
    for url in (urls[0], urls[2]):  # the records around the damage still read
        other = records[url]
        assert read_record(home / "warcs" / other["warc_file"], other["warc_offset"]).record_type == "response"
    scanned = list(scan_file(path))  # the scan resumes after the damaged member
    damaged = [item for item in scanned if isinstance(item, ScanProblem)]
    end = victim["warc_offset"] + victim["warc_length"]
    assert damaged and all(victim["warc_offset"] <= d.offset < end for d in damaged)
    assert all(d.resume_at == end for d in damaged)  # resynced on the very next record
    after = [r for r in scanned if not isinstance(r, ScanProblem) and r.offset >= end]
    assert after and after[0].offset == end  # the record right after the damage reads
