"""Control characters, lone surrogates and invalid UTF-8 in a page never break an XML or JSON output (issue 19, item 2).

``/hostile-text`` of the bomb site is archived twice (each version differs, so a change is
recorded); then every output that carries its title is parsed: the Atom feed (``archiver changes
--format atom`` and ``/feeds/changes.atom``) with an XML parser and feedparser, the JSON lines of
``archive``, ``changes``, ``show``, ``search`` and ``export --format jsonl`` and the API's JSON.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from support.bomb_site import running_bomb_site
from support.cli import run_archiver
from support.web import asgi_client

from archiver.web import WebConfig
from storage import StorageConfig

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[Path, list[str]]:
    """The page archived twice; returns the home and the JSON lines of both runs."""
    home = tmp_path_factory.mktemp("text") / "archive"
    lines = []
    with running_bomb_site() as site:
        for _ in range(2):
            done = run_archiver(home, "archive", "--json", site + "hostile-text", text=False)
            assert done.returncode == 0, done.stderr
            assert b"Traceback" not in done.stderr, done.stderr
            lines += done.stdout.decode("utf-8").splitlines()  # strict: a lone surrogate could not be here
    return home, lines


def parsed_json_lines(output: bytes) -> list[dict]:
    text = output.decode("utf-8")  # strict UTF-8
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def check_atom(document: bytes) -> None:
    feed = ET.fromstring(document)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles and all("Ferry" in t and "timetable" in t for t in titles), titles
    parsed = feedparser.parse(document)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert "timetable" in parsed.entries[0].title


def test_the_title_keeps_its_text_without_lone_surrogates(archived) -> None:
    _, lines = archived
    results = [json.loads(line) for line in lines]
    assert all(r["error"] is None for r in results)
    title = results[-1]["title"]
    assert title.startswith("Ferry") and title.endswith("timetable 2") and "\x1b" in title
    assert results[-1]["authors"] == ["Ann  Lee"]


def test_changes_atom_parses_with_an_xml_parser_and_feedparser(archived) -> None:
    home, _ = archived
    done = run_archiver(home, "changes", "--format", "atom", text=False)
    assert done.returncode == 0, done.stderr
    check_atom(done.stdout)
    assert b"\x1b" not in done.stdout


@pytest.mark.parametrize("args", [("changes", "--json"), ("show", "--json", "1"), ("search", "--json", "ferry"),
                                  ("export", "--format", "jsonl"), ("history", "--json")])
def test_json_lines_parse(archived, args: tuple[str, ...]) -> None:
    home, lines = archived
    if args[0] == "history":
        args = (*args, json.loads(lines[0])["url"])
    done = run_archiver(home, *args, text=False)
    assert done.returncode == 0, done.stderr
    objects = parsed_json_lines(done.stdout)
    assert objects and "timetable" in done.stdout.decode("utf-8")


def test_the_web_feed_and_api_parse(archived) -> None:
    home, _ = archived

    async def get() -> tuple[bytes, bytes]:
        config = WebConfig(storage=StorageConfig.from_env({}, home=home, fsync_interval=0.0))
        async with asgi_client(config) as client:
            feed = await client.get("/feeds/changes.atom")
            api = await client.get("/api/captures/2")
            assert feed.status_code == 200 and api.status_code == 200
            return feed.content, api.content

    feed, api = asyncio.run(get())
    check_atom(feed)
    assert json.loads(api.decode("utf-8"))["title"].endswith("timetable 2")
