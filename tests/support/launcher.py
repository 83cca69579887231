"""The one way tests start a server: a subprocess that binds 127.0.0.1 port 0 and prints its URL.

No port is picked in advance and nothing sleeps: the child binds a free port itself, prints the
URL on a line of its own, and the parent reads that line (:func:`launch_server`). The child side
of the bargain is :func:`serve_until_signalled`. Fixture sites, ``archiver serve`` and pywb are
all started through :func:`launch_server`; see ``support.fixture_site``, ``support.crawl_site``,
``support.watch_site``, ``support.web`` and ``support.pywb_replay``.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import HTTPServer
from pathlib import Path
from typing import IO, Any, Literal

__all__ = ["LaunchedServer", "launch_server", "module_command", "serve_until_signalled", "support_env"]

TESTS = Path(__file__).resolve().parent.parent
LOCAL_URL = "http://127.0.0.1:"


@dataclass
class LaunchedServer:
    """A server started by :func:`launch_server`: the URL it printed and its process."""

    url: str
    process: subprocess.Popen[str]


def support_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's environment) with ``tests/`` on PYTHONPATH, so that a child
    started with ``python -m support.<module>`` finds the ``support`` package."""
    base = dict(os.environ if env is None else env)
    base["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), base.get("PYTHONPATH", "")) if p)
    return base


def module_command(module: str, *args: str) -> list[str]:
    """The command that runs ``module`` (e.g. ``support.fixture_site``) with this Python."""
    return [sys.executable, "-m", module, *args]


def _starts_with_local_url(line: str) -> str | None:
    line = line.strip()
    return line if line.startswith(LOCAL_URL) else None


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Copy the child's lines to ``lines`` (so it never blocks on a full pipe); ``""`` marks the end."""
    for line in stream:
        lines.put(line)
    lines.put("")


@contextmanager
def launch_server(command: Sequence[str], *, what: str, env: Mapping[str, str] | None = None,
                  stream: Literal["stdout", "stderr"] = "stdout",
                  find_url: Callable[[str], str | None] = _starts_with_local_url,
                  start_timeout: float = 60, stop_timeout: float = 10) -> Iterator[LaunchedServer]:
    """Run ``command`` for the block; yields once a line of its ``stream`` gives its URL.

    ``find_url`` turns a line into the URL, or None for a line to skip (the default takes a line
    starting with ``http://127.0.0.1:``). The other stream is inherited (``stdout``) or discarded
    (``stderr``). The child is sent SIGTERM at the end, and SIGKILL after ``stop_timeout`` seconds.
    Raises RuntimeError naming ``what`` when the child exits or stays silent for ``start_timeout``.
    """
    pipes: dict[str, Any] = ({"stdout": subprocess.PIPE} if stream == "stdout"
                             else {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE})
    proc = subprocess.Popen(list(command), text=True, env=None if env is None else dict(env), **pipes)
    output = proc.stdout if stream == "stdout" else proc.stderr
    assert output is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(output, lines), daemon=True)
    reader.start()
    try:
        yield LaunchedServer(_wait_for_url(proc, lines, find_url, what, start_timeout), proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=stop_timeout)  # the pipe is at its end once the child is gone
        output.close()


def _wait_for_url(proc: subprocess.Popen[str], lines: queue.Queue[str], find_url: Callable[[str], str | None],
                  what: str, timeout: float) -> str:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"{what} printed no URL within {timeout:.0f} s (got {seen[-3:]!r})") from None
        if not line:
            raise RuntimeError(f"{what} failed to start (exit status {proc.wait()}, got {seen[-3:]!r})")
        url = find_url(line)
        if url is not None:
            return url
        seen.append(line.rstrip("\n"))


def _exit(signum: int, frame: Any) -> None:
    raise SystemExit(0)


def serve_until_signalled(server: HTTPServer, scheme: str = "http") -> None:
    """The child's side: print ``server``'s base URL (bound to port 0 already), serve until SIGTERM/SIGINT.

    ``scheme`` is what the URL says: ``https`` for a server whose sockets are wrapped in TLS.
    """
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
    try:
        print(f"{scheme}://127.0.0.1:{server.server_address[1]}/", flush=True)
        server.serve_forever()
    finally:
        server.server_close()
