"""Page requisites end to end: ``archiver archive`` and ``crawl --requisites`` on a site with a CDN.

The fixture (:mod:`support.requisites_site`) counts hits per path on both servers, so a test
sees what was fetched, and the WARC files are read back with warcio.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import run_archiver
from support.requisites_site import (
    HUGE_SIZE,
    ONE_REQUISITES,
    TWO_REQUISITES,
    RequisitesSite,
    running_requisites_site,
)
from warcio.archiveiterator import ArchiveIterator

MAX_BYTES = 25 * 10**6


@pytest.fixture(scope="module")
def site() -> Iterator[RequisitesSite]:
    with running_requisites_site() as running:
        yield running


def _records(home: Path) -> list[tuple[str, str | None, dict[str, str], bytes]]:
    """(type, target URI, WARC headers, payload as stored) of every record of the home's WARC files."""
    found = []
    for path in sorted((home / "warcs").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                headers = dict(record.rec_headers.headers)
                payload = record.content_stream().read() if record.rec_type != "response" else record.raw_stream.read()
                found.append((record.rec_type, headers.get("WARC-Target-URI"), headers, payload))
    return found


def _show(home: Path, url: str) -> dict:
    result = run_archiver(home, "show", url, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _archive(home: Path, *args: str) -> str:
    result = run_archiver(home, "archive", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_archive_keeps_every_requisite_once_and_a_second_article_reuses_them(site: RequisitesSite,
                                                                             tmp_path: Path) -> None:
    home = tmp_path / "archive"
    site.reset()
    said = _archive(home, site.url("/articles/one"))
    assert f"+ {len(ONE_REQUISITES)} requisites" in said, said
    hits = site.hits()
    wanted = {site.url(path) for path in ONE_REQUISITES}
    assert all(hits[path] == 1 for path in ONE_REQUISITES), hits
    responses = Counter(uri for kind, uri, _, _ in _records(home) if kind in ("response", "revisit"))
    assert {uri: responses[uri] for uri in wanted} == dict.fromkeys(wanted, 1)
    assert responses[site.url("/articles/one")] == 1

    shown = _show(home, site.url("/articles/one"))
    requisites = shown["requisites"]
    assert {item["url"] for item in requisites["items"]} == wanted
    assert (requisites["count"], requisites["archived"], requisites["missing"]) == (len(wanted), len(wanted), [])
    assert requisites["bytes"] == sum(item["bytes"] for item in requisites["items"]) > 300_000  # the font
    assert shown["title"] == "Every kind of requisite" and shown["requisite_of"] == []
    logo = _show(home, site.url("/static/logo.png"))
    assert logo["requisite_of"] == [shown["id"]] and logo["title"] is None  # a requisite, not an article
    # Requisites are not articles: searching finds the page only.
    search = run_archiver(home, "search", "--json")
    assert [json.loads(line)["url"] for line in search.stdout.splitlines()] == [site.url("/articles/one")]

    # The second article shares logo, stylesheets, fonts, favicon: none is fetched again.
    site.reset()
    said = json.loads(_archive(home, "--json", site.url("/articles/two")))
    assert said["requisites"] == {"count": len(TWO_REQUISITES), "archived": len(TWO_REQUISITES),
                                  "bytes": said["requisites"]["bytes"], "missing": 0}, said
    hits = site.hits()
    assert hits == Counter({"/articles/two": 1, "/img/photo-two.jpg": 1}), hits
    two = _show(home, site.url("/articles/two"))["requisites"]
    assert {item["url"] for item in two["items"]} == {site.url(path) for path in TWO_REQUISITES}
    assert two["missing"] == []
    shared = {item["url"]: item["capture_id"] for item in requisites["items"]}
    assert all(shared[item["url"]] == item["capture_id"] for item in two["items"] if item["url"] in shared)
    # No payload stored twice: each response record's payload digest is unique.
    digests = Counter(headers.get("WARC-Payload-Digest") for kind, _, headers, _ in _records(home)
                      if kind == "response")
    assert max(digests.values()) == 1

    # The page-to-requisite links come back from the WARC files alone; verify --deep agrees.
    result = run_archiver(home, "reindex", "--from-scratch")
    assert result.returncode == 0, result.stderr
    again = _show(home, site.url("/articles/two"))["requisites"]
    assert sorted(item["url"] for item in again["items"]) == sorted(item["url"] for item in two["items"])
    assert again["missing"] == [] and again["bytes"] == two["bytes"]
    one_again = _show(home, site.url("/articles/one"))["requisites"]
    assert one_again["count"] == len(wanted) and one_again["missing"] == []
    result = run_archiver(home, "verify", "--deep")
    assert result.returncode == 0, result.stdout + result.stderr

    # An export of the article carries its requisites.
    out = tmp_path / "two.warc.gz"
    result = run_archiver(home, "export", '"Shared assets"', "--format", "warc", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open("rb") as handle:
        exported = {record.rec_headers.get_header("WARC-Target-URI") for record in ArchiveIterator(handle)
                    if record.rec_type in ("response", "revisit")}
    assert exported == {site.url("/articles/two")} | {site.url(path) for path in TWO_REQUISITES}
    wacz = tmp_path / "two.wacz"
    result = run_archiver(home, "export", '"Shared assets"', "--format", "wacz", "-o", str(wacz))
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(wacz) as bundle:
        names = [name for name in bundle.namelist() if name.startswith("archive/")]
        in_wacz = {record.rec_headers.get_header("WARC-Target-URI") for name in names
                   for record in ArchiveIterator(io.BytesIO(bundle.read(name)))
                   if record.rec_type in ("response", "revisit")}
    assert in_wacz == exported


def test_limits_many_images_and_a_huge_one(site: RequisitesSite, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    site.reset()
    _archive(home, site.url("/articles/many"), site.url("/articles/huge"))
    hits = site.hits()
    many_fetched = sum(count for path, count in hits.items() if path.startswith("/img/many/"))
    assert many_fetched <= 150

    many = _show(home, site.url("/articles/many"))["requisites"]
    assert many["count"] == 5000 + 8 and many["archived"] == 150
    over = [item for item in many["missing"] if item["reason"] == "over ARCHIVER_REQUISITES_MAX (150)"]
    assert len(over) == many["count"] - 150
    records = _records(home)
    (listing,) = [json.loads(payload) for kind, uri, _, payload in records
                  if kind == "metadata" and uri == "urn:requisites:" + site.url("/articles/many")]
    assert listing["dropped"] == len(over) and listing["limit"] == 150

    # The 1 GB image stops at the byte limit, marked WARC-Truncated; the rest of the page is there.
    (huge,) = [(headers, payload) for kind, uri, headers, payload in records
               if kind == "response" and uri == site.url("/big/huge.jpg")]
    assert huge[0]["WARC-Truncated"] == "length"
    assert len(huge[1]) == MAX_BYTES < HUGE_SIZE
    shown = _show(home, site.url("/articles/huge"))["requisites"]
    assert [item["url"] for item in shown["missing"]] == [site.url("/big/huge.jpg")]
    assert shown["missing"][0]["reason"] == "truncated (length)"
    assert shown["archived"] == shown["count"] - 1 and site.url("/img/huge-page.png") in {
        item["url"] for item in shown["items"] if item["problem"] is None}


def test_no_requisites_and_crawl_with_requisites(site: RequisitesSite, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    site.reset()
    _archive(home, "--no-requisites", site.url("/articles/one"))
    assert site.hits() == Counter({"/articles/one": 1})
    assert _show(home, site.url("/articles/one"))["requisites"]["count"] == 0

    # A crawl fetches requisites only when asked; they are not pages of --max-pages.
    site.reset()
    result = run_archiver(home, "crawl", "--sitemap", site.url("/sitemap.xml"), "--requisites", "--refresh",
                          "--max-pages", "2", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    hits = site.hits()
    assert hits["/articles/one"] == hits["/articles/two"] == 1
    assert all(hits[path] == 1 for path in ONE_REQUISITES), hits
    assert hits["/img/photo-two.jpg"] == 1
    for name, paths in (("one", ONE_REQUISITES), ("two", TWO_REQUISITES)):
        listed = _show(home, site.url(f"/articles/{name}"))["requisites"]
        assert {item["url"] for item in listed["items"]} == {site.url(path) for path in paths}
        assert listed["missing"] == []

    # A second crawl within the recrawl window fetches no requisite again.
    site.reset()
    result = run_archiver(home, "crawl", "--sitemap", site.url("/sitemap.xml"), "--requisites", "--refresh")
    assert result.returncode == 0, result.stdout + result.stderr
    hits = site.hits()
    assert {path for path in hits if path not in ("/sitemap.xml", "/robots.txt")} == {"/articles/one",
                                                                                       "/articles/two"}, hits


def test_requisites_through_a_shared_redis_frontier(site: RequisitesSite, tmp_path: Path, postgres_url: str,
                                                   redis_url: str) -> None:
    home = tmp_path / "archive"
    env = {"ARCHIVER_DATABASE_URL": postgres_url}
    site.reset()
    result = run_archiver(home, "crawl", "--sitemap", site.url("/sitemap.xml"), "--requisites", "--frontier",
                          redis_url, "--name", "requisites-frontier", "--json", env=env, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    hits = site.hits()
    assert all(hits[path] == 1 for path in ONE_REQUISITES), hits
    for name, paths in (("one", ONE_REQUISITES), ("two", TWO_REQUISITES)):
        shown = run_archiver(home, "show", site.url(f"/articles/{name}"), "--json", env=env)
        listed = json.loads(shown.stdout)["requisites"]
        assert {item["url"] for item in listed["items"]} == {site.url(path) for path in paths}
        assert listed["missing"] == []


def test_robots_txt_of_requisites_is_a_setting(site: RequisitesSite, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    blocked, allowed = site.url("/private/blocked.png"), site.url("/img/allowed.png")
    site.reset()
    _archive(home, "--obey-robots", site.url("/articles/blocked"))
    assert site.hits()["/private/blocked.png"] == 0 and site.hits()["/img/allowed.png"] == 1
    listed = _show(home, site.url("/articles/blocked"))["requisites"]
    assert [item["url"] for item in listed["missing"]] == [blocked]
    assert "robots.txt" in listed["missing"][0]["reason"]

    site.reset()
    _archive(home, "--obey-robots", "--set", "ARCHIVER_REQUISITES_OBEY_ROBOTS=false", "--set",
             "ARCHIVER_RECRAWL_AFTER=0", site.url("/articles/blocked"))
    assert site.hits()["/private/blocked.png"] == 1 and site.hits()["/img/allowed.png"] == 1
    listed = _show(home, site.url("/articles/blocked"))["requisites"]
    assert listed["missing"] == [] and blocked in {item["url"] for item in listed["items"]}
    assert allowed in {item["url"] for item in listed["items"]}
