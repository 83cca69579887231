"""``reindex --from-scratch`` gives back the catalogue a crawl made, field by field (issue 19, item 9).

The archive is built as an operator would: a ``--site`` crawl of a news site with section pages
(which the crawl judges not to be articles), a ``--feed`` crawl (listing data), and recaptures of
an article edited in between (change records). Then what the user sees is snapshotted
(``search --json``, ``changes --json``, ``stats --json``, ``show --json`` of every capture),
the catalogue is rebuilt from the WARC files alone, and the same outputs are compared.

Capture ids are renumbered by a reindex (docs/reindex.md): captures are matched by their WARC
location (file and offset, which a reindex keeps), and every id in an output (``id``,
``revisit_of``, a change's capture ids) is compared through that mapping. Change ids are kept.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

from support.cli import json_lines, run_archiver, run_cli
from support.crawl_site import running_crawl_site
from support.watch_site import running_watch_site

WATCH_ENV = {"ARCHIVER_REVISIT_POLICY": "1h,6h,1d,7d"}


def _control(base: str, **state: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in state.items())
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{base}_control?{query}") as response:
        assert response.status == 204


def _ok(home: Path, *args: str) -> None:
    done = run_archiver(home, *args, env=WATCH_ENV, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr


def _json(home: Path, *args: str) -> Any:
    code, out, err = run_cli(home, *args)
    assert code == 0, out + err
    return out


def _build_archive(home: Path, tmp_path: Path) -> None:
    with running_crawl_site("--articles", "8") as site:
        _ok(home, "crawl", "--site", site.url, "--max-depth", "1")
        _ok(home, "crawl", "--feed", site.url + "feeds/rss.xml", "--refresh")
    with running_watch_site() as base:
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{base}article\n{base}other\n")
        _ok(home, "crawl", "--urls", str(urls))
        for version in ("v2", "v3"):  # a new headline, then a sentence added: one change row each
            _control(base, version=version)
            _ok(home, "crawl", "--urls", str(urls), "--refresh")


def _snapshot(home: Path) -> dict[str, Any]:
    """What the user sees, with capture ids replaced by the capture's WARC location."""
    history = json_lines(_json(home, "search", "--all-versions", "--limit", "10000", "--json"))
    ids: dict[int, str] = {}
    shows: dict[str, dict[str, Any]] = {}
    capture_id = 1
    misses = 0
    while misses < 50:  # capture ids are dense from 1; stop after a run of unknown ids
        code, out, _ = run_cli(home, "show", str(capture_id), "--json")
        if code != 0:
            misses += 1
        else:
            misses = 0
            record = json_lines(out)[0]
            key = f"{record['warc_file']}@{record['warc_offset']}" if record["warc_file"] else f"failed:{record['url']}"
            ids[record["id"]] = key
            shows[key] = record
        capture_id += 1
    for record in shows.values():
        record["id"] = ids[record["id"]]
        record["revisit_of"] = ids.get(record["revisit_of"], record["revisit_of"])
        record["requisite_of"] = sorted(ids[page] for page in record["requisite_of"])
        for link in record["requisites"]["items"]:
            link["capture_id"] = ids.get(link["capture_id"], link["capture_id"])
    hits = []
    for hit in history:
        hit["capture_id"] = ids[hit["capture_id"]]
        hit["revisit_of_id"] = ids.get(hit["revisit_of_id"], hit["revisit_of_id"])
        del hit["article_id"]  # article rows are made again: their ids are new (docs/reindex.md)
        hit.pop("score", None)  # bm25 depends on the rows' order in the index, not on what they hold
        hits.append(hit)
    changes = json_lines(_json(home, "changes", "--json", "--limit", "1000"))
    for change in changes:
        for name in ("before_capture_id", "after_capture_id"):
            change[name] = ids.get(change[name], change[name])
    stats = json_lines(_json(home, "stats", "--json"))[0]
    return {"search": hits, "changes": changes, "stats": stats, "show": shows}


def _diff(before: Any, after: Any, path: str = "") -> list[str]:
    """Every field that differs, by its path."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [line for key in sorted(set(before) | set(after), key=str)
                for line in _diff(before.get(key), after.get(key), f"{path}.{key}")]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [line for i, (b, a) in enumerate(zip(before, after, strict=True))
                for line in _diff(b, a, f"{path}[{i}]")]
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


def test_reindex_from_scratch_gives_back_what_the_crawls_decided(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    _build_archive(home, tmp_path)
    before = _snapshot(home)
    assert len(before["changes"]) == 2 and all(c["after_capture_id"] for c in before["changes"])
    assert not any(hit["title"] in ("World", "Business", "Crawl Gazette") for hit in before["search"])
    assert any(record["listing"] for record in before["show"].values())  # the feed's listing data

    done = run_archiver(home, "reindex", "--from-scratch", timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    after = _snapshot(home)
    after["stats"]["totals"]["crawl_runs"] -= 1  # the reindex is a run of its own

    differences = _diff(before, after)
    assert differences == [], "\n".join(differences[:60])
