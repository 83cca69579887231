"""Replay WARC files with pywb, run from its own venv (:mod:`support.tool_venvs`), on a port the OS picks.

``wayback -p 0`` binds a free port but never says which, so the server is started here with
the same WSGI app ``wayback`` serves (pywb's ``FrontEndApp`` in a gevent ``WSGIServer``): the
socket is bound to port 0 first and the URL printed, then requests are served. No port is
guessed and nothing sleeps: the caller reads the URL line, and the bound socket queues any
request made before ``serve_forever`` runs. The collection is made with pywb's own
``wb-manager init`` / ``wb-manager add``, as FIELD-NOTES.md describes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.launcher import launch_server
from support.tool_venvs import tool_venv

__all__ = ["PYWB", "pywb_collection"]

PYWB = ["pywb>=2.10,<2.11"]
_MARKER = "pywb listening on "
_LAUNCHER = f"""
from gevent.monkey import patch_all; patch_all()
import os, sys
os.chdir(sys.argv[1])
from gevent.pywsgi import WSGIServer
from pywb.apps.frontendapp import FrontEndApp
from pywb.utils.geventserver import RequestURIWSGIHandler
server = WSGIServer(("127.0.0.1", 0), FrontEndApp(), handler_class=RequestURIWSGIHandler, log=None)
server.init_socket()
print("{_MARKER}http://127.0.0.1:%d" % server.address[1], flush=True)
server.serve_forever()
"""


@contextmanager
def pywb_collection(workdir: Path, *archives: Path, name: str = "export", timeout: float = 60) -> Iterator[str]:
    """A running pywb serving ``archives`` (WARC files, or WACZ files that pywb unpacks) as collection ``name``;
    yields its base URL (``http://127.0.0.1:PORT``).

    Raises :class:`support.tool_venvs.ToolUnavailable` when pywb cannot be installed.
    """
    bindir = tool_venv("pywb", PYWB)
    workdir.mkdir(parents=True, exist_ok=True)
    unpack = ["--unpack-wacz"] if any(path.suffix == ".wacz" for path in archives) else []
    for args in (["init", name], ["add", *unpack, name, *map(str, archives)]):
        subprocess.run([str(bindir / "wb-manager"), *args], cwd=workdir, check=True, capture_output=True,
                       timeout=timeout)
    with launch_server([str(bindir / "python"), "-c", _LAUNCHER, str(workdir)], what="pywb", find_url=_url_of,
                       start_timeout=timeout, stop_timeout=30) as server:
        yield server.url


def _url_of(line: str) -> str | None:
    """The URL in the line pywb's launcher prints once its socket is bound (pywb prints other lines first)."""
    return line[len(_MARKER):].strip() if line.startswith(_MARKER) else None
