"""A challenge page archived with ``archiver archive``: flagged blocked, never an article, and kept so by reindex.

A local server answers one path with a Cloudflare-like challenge page (403, no challenge
header: the page's own markers are what is detected) and another with an article. Every
check reads back what the command wrote: ``show --json``, ``search``, ``stats``, and the
catalogue rebuilt from the WARC files alone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver

FIXTURES = Path(__file__).parents[1] / "support" / "fixtures" / "blocked"
CHALLENGE = (FIXTURES / "cloudflare_challenge.html").read_bytes()
ARTICLE = ("<html><head><title>Ferry returns to service</title></head><body><article><h1>Ferry returns to service"
           "</h1>" + "<p>The island ferry returned to service on Monday after a week of engine repairs.</p>" * 10
           + "</article></body></html>").encode()


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        status, body = (403, CHALLENGE) if self.path.startswith("/wall") else (200, ARTICLE)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _show(home: Path, capture_id: int) -> dict:
    done = run_archiver(home, "show", "--json", str(capture_id))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _search(home: Path, query: str) -> list[dict]:
    done = run_archiver(home, "search", query, "--json")
    assert done.returncode == 0, done.stderr
    return json_lines(done.stdout)


def test_a_challenge_page_is_blocked_not_an_article_and_stays_so_after_reindex(tmp_path: Path, site: str) -> None:
    home = tmp_path / "archive"
    wall = f"{site}/wall/story"

    done = run_archiver(home, "archive", wall)
    assert done.returncode == 1, done.stdout + done.stderr  # the reader's page was not archived
    assert "blocked (Cloudflare challenge)" in done.stdout and "403" in done.stdout

    done = run_archiver(home, "archive", "--json", wall)  # a second capture of the same wall (a revisit)
    assert done.returncode == 1
    (result,) = json_lines(done.stdout)
    assert result["blocked"] is True and result["flags"] == ["blocked"]
    assert result["blocked_reason"] == "Cloudflare challenge" and result["title"] is None

    done = run_archiver(home, "archive", "--json", f"{site}/news/ferry")  # a page beside it is archived as usual
    assert done.returncode == 0, done.stderr
    (article,) = json_lines(done.stdout)
    assert article["blocked"] is False and article["flags"] == [] and article["title"] == "Ferry returns to service"

    shown = _show(home, result["id"])
    assert shown["flags"] == ["blocked"] and shown["title"] is None and shown["text"] is None
    assert _search(home, "security connection") == [] and _search(home, "verifying") == []

    done = run_archiver(home, "stats", "--json")
    assert json.loads(done.stdout)["totals"]["articles"] == 1  # the ferry only
    done = run_archiver(home, "stats", "--extraction", "--json")
    (row,) = json.loads(done.stdout)["extraction"]
    assert row["blocked"] == 2 and row["articles"] == 1

    done = run_archiver(home, "reindex", "--from-scratch")
    assert done.returncode == 0, done.stderr
    done = run_archiver(home, "search", "--json", "--all-versions")
    titles = [hit["title"] for hit in json_lines(done.stdout)]
    assert titles == ["Ferry returns to service"]
    done = run_archiver(home, "show", "--json", wall)
    assert done.returncode == 0, done.stderr
    rebuilt = json.loads(done.stdout)
    assert rebuilt["flags"] == ["blocked"] and rebuilt["title"] is None and rebuilt["text"] is None
    done = run_archiver(home, "stats", "--extraction", "--json")
    (row,) = json.loads(done.stdout)["extraction"]
    assert row["blocked"] == 2 and row["articles"] == 1
    assert json.loads(run_archiver(home, "stats", "--json").stdout)["totals"]["articles"] == 1
