"""Notifications of edits: `archiver changes` (text, JSON, Atom), /feeds/changes.atom, webhooks with retries."""

from __future__ import annotations

import asyncio
import json

import feedparser
from lxml import etree
from support.cli import run_cli
from support.watch_samples import ADDED, URL, three_edits
from support.web import asgi_client

from archiver.web.config import WebConfig
from storage.catalogue.models import ChangeRecord

ATOM = "{http://www.w3.org/2005/Atom}"


def check_atom(document: bytes, changes: list[ChangeRecord]) -> None:
    """Parses as Atom 1.0 with a feed reader, has the required elements, lists ``changes`` newest first."""
    parsed = feedparser.parse(document)
    assert parsed.version == "atom10" and not parsed.bozo, parsed.get("bozo_exception")
    newest_first = list(reversed(changes))
    assert [e.link for e in parsed.entries] == [c.url for c in newest_first]
    assert [e.id for e in parsed.entries] == [f"urn:news-archiver:change:{c.after_capture_id}" for c in newest_first]
    assert [[t.term for t in e.tags] for e in parsed.entries] == [["authors"], ["body"], ["title"]]
    assert ADDED in parsed.entries[1].content[0].value
    root = etree.fromstring(document)
    assert root.tag == f"{ATOM}feed"
    for element in (root, *root.iter(f"{ATOM}entry")):  # RFC 4287: id, title, updated are required
        assert all(element.find(f"{ATOM}{name}") is not None for name in ("id", "title", "updated"))
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    updated = [e.findtext(f"{ATOM}updated") for e in root.iter(f"{ATOM}entry")]
    assert updated == sorted(updated, reverse=True) and updated[0] == "2026-12-01T08:00:00Z"


def test_changes_command_lists_filters_and_prints_atom(archive):
    changes = three_edits(archive)
    home = archive.config.home
    code, out, err = run_cli(home, "changes", "--json")
    assert code == 0, err
    listed = [json.loads(line) for line in out.splitlines()]
    assert [c["fields"] for c in listed] == [["authors"], ["body"], ["title"]]
    assert listed[1]["sentences"] == {"added": 1, "removed": 0, "edited": 0}
    assert listed[1]["details"]["body"]["added"] == [ADDED]
    code, out, _ = run_cli(home, "changes", "--field", "title", "--format", "json")
    assert [json.loads(line)["fields"] for line in out.splitlines()] == [["title"]]
    code, out, _ = run_cli(home, "changes", "--min-words", "5", "--json")
    assert [json.loads(line)["fields"] for line in out.splitlines()] == [["body"]]  # 9 words added
    code, out, _ = run_cli(home, "changes", "--since", "2026-12-01", "--json")
    assert [json.loads(line)["fields"] for line in out.splitlines()] == [["authors"]]
    code, out, _ = run_cli(home, "changes", "--site", "elsewhere.org", "--json")
    assert code == 0 and out == ""
    code, out, _ = run_cli(home, "changes", "--site", "example.com")
    assert code == 0 and "title changed" in out and URL in out
    code, out, _ = run_cli(home, "changes", "--format", "atom")
    assert code == 0
    check_atom(out.encode("utf-8"), changes)
    code, _, err = run_cli(home, "changes", "--since", "yesterday")
    assert code == 2 and "not a date" in err


def test_diff_sums_up_the_recorded_edit_per_field(archive):
    changes = three_edits(archive)
    home = archive.config.home
    code, out, err = run_cli(home, "diff", URL, "--from", str(changes[1].before_capture_id),
                             "--to", str(changes[1].after_capture_id))
    assert code == 0, err
    assert f"+{ADDED}" in out.splitlines()
    assert out.splitlines()[-1] == (f"# edit #{changes[1].id} recorded: body changed; +{len(ADDED.split())}/-0 words; "
                                   "sentences +1 -0 ~0")
    code, out, _ = run_cli(home, "diff", URL)  # the last change: the byline
    assert "@@ authors @@" in out and "+Ann Smith; Bo Lee" in out
    assert out.splitlines()[-1] == f"# edit #{changes[2].id} recorded: authors changed; +2/-0 words"


def test_web_app_serves_the_atom_feed(archive):
    changes = three_edits(archive)

    async def get(path: str, **params: object):
        async with asgi_client(WebConfig(storage=archive.config)) as client:
            return await client.get(path, params=params)

    response = asyncio.run(get("/feeds/changes.atom"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    check_atom(response.content, changes)
    only_body = feedparser.parse(asyncio.run(get("/feeds/changes.atom", field="body")).content)
    assert [[t.term for t in e.tags] for e in only_body.entries] == [["body"]]
    assert asyncio.run(get("/feeds/changes.atom", field="colour")).status_code == 400


