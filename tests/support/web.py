"""What the web tests share: an archive made by archiving the fixture site, a tiny side server,
the app served by ``archiver serve`` in a subprocess, and an in-process ASGI client."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from archiver.web import WebConfig, create_app
from storage import StorageConfig
from support.cli import archiver_env, json_lines, run_archiver, tool
from support.fixture_site import ARTICLE_PATH, RunningSite
from support.launcher import launch_server

ATTACK_TITLE = "Attack page"
#: An archived page whose script tries to read the app's cookies and call its API, and writes
#: what it got into the title and the page. Under the replay sandbox it must not run at all.
ATTACK_HTML = f"""<!doctype html><html><head><meta charset="utf-8"><title>{ATTACK_TITLE}</title></head>
<body><h1>Nothing to see</h1><p id="out">script did not run</p>
<script>
var found = [];
try {{ found.push("cookie=" + document.cookie); }} catch (e) {{ found.push("cookie-error=" + e.name); }}
document.getElementById("out").textContent = "script ran: " + found.join(" ");
document.title = "PWNED " + found.join(" ");
fetch("/api/search?q=armenia").then(function (r) {{ return r.text(); }}).then(function (t) {{
  document.getElementById("out").textContent += " api=" + t.length;
  document.title += " api=" + t.length;
}}, function (e) {{ document.getElementById("out").textContent += " api-error=" + e.name; }});
</script></body></html>"""


def archive_urls(home: Path, *urls: str) -> list[dict[str, Any]]:
    """Run ``archiver archive --json URL...`` on ``home``; the JSON objects it printed."""
    done = run_archiver(home, "archive", "--json", *urls, timeout=180)
    assert done.returncode == 0, done.stderr
    return json_lines(done.stdout)


@dataclass
class SiteArchive:
    """An archive of the fixture site: the seed article, ``/changing`` in two versions, a redirect."""

    home: Path
    site: RunningSite
    article: dict[str, Any]
    changing: list[dict[str, Any]]
    redirect: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def storage(self) -> StorageConfig:
        return StorageConfig.from_env({}, home=self.home)

    @property
    def changing_url(self) -> str:
        return self.site.url + "changing"


def archive_fixture_site(home: Path, site: RunningSite, *extra_urls: str) -> SiteArchive:
    """Archive the seed article, ``/changing`` (version 1), ``/redirect`` and ``extra_urls``, then
    ``/changing`` again at version 2 (two ``archiver archive`` runs)."""
    site.control(changing=1)
    first = archive_urls(home, site.url + ARTICLE_PATH.lstrip("/"), site.url + "changing", site.url + "redirect",
                         *extra_urls)
    site.control(changing=2)
    second = archive_urls(home, site.url + "changing")
    return SiteArchive(home=home, site=site, article=first[0], changing=[first[1], second[0]], redirect=first[2],
                       extra={url: record for url, record in zip(extra_urls, first[3:], strict=True)})


class SideServer:
    """A small HTTP server on 127.0.0.1 in a thread: ``routes`` maps a path to (status, headers, body)."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SideServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def asgi_client(config: WebConfig) -> httpx.AsyncClient:
    """An httpx client that calls the app of ``config`` in-process (no socket)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(config)), base_url="http://testserver")


def _uvicorn_url(line: str) -> str | None:
    if "Uvicorn running on " not in line:
        return None
    return line.split("Uvicorn running on ", 1)[1].split()[0].rstrip("/") + "/"


@contextmanager
def served_app(home: Path, **env: str) -> Iterator[str]:
    """``archiver serve --port 0`` on ``home`` in a subprocess; yields its base URL (read from its log)."""
    with launch_server([tool("archiver"), "serve", "--port", "0"], what="archiver serve", env=archiver_env(home, env),
                       stream="stderr", find_url=_uvicorn_url) as server:
        yield server.url
