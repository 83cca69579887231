"""One ``archiver archive URL`` opens the catalogue once: one Database, one migration check, one recovery scan."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PAGE = ("<html><head><title>Council agrees budget</title></head><body><article><h1>Council agrees budget</h1>"
        + "<p>The council met on Tuesday and agreed a budget for schools, roads and hospitals.</p>" * 12
        + "</article></body></html>").encode()

COUNTING = """
import atexit, json, sys
import storage.archive as archive_module
import storage.catalogue.database as database

counts = {"archives": 0, "databases": 0, "migration_checks": 0, "recoveries": 0}

def counted(key, function):
    def wrapper(*args, **kwargs):
        counts[key] += 1
        return function(*args, **kwargs)
    return wrapper

archive_module.Archive.__init__ = counted("archives", archive_module.Archive.__init__)
database.Database.__init__ = counted("databases", database.Database.__init__)
database.upgrade = counted("migration_checks", database.upgrade)
archive_module.recover_archive = counted("recoveries", archive_module.recover_archive)
atexit.register(lambda: sys.stderr.write("COUNTS " + json.dumps(counts) + "\\n"))

from archiver.cli import main
sys.argv = ["archiver", *sys.argv[1:]]
main()
"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/news/budget"
    finally:
        server.shutdown()
        server.server_close()


def test_one_archive_command_opens_the_catalogue_once(tmp_path: Path, page_url: str) -> None:
    home = tmp_path / "archive"
    done = subprocess.run([sys.executable, "-c", COUNTING, "--home", str(home), "archive", page_url, "--json"],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[0])
    assert result["status"] == 200 and result["title"] == "Council agrees budget"
    line = next(line for line in done.stderr.splitlines() if line.startswith("COUNTS "))
    counts = json.loads(line.removeprefix("COUNTS "))
    assert counts == {"archives": 1, "databases": 1, "migration_checks": 1, "recoveries": 1}, counts
