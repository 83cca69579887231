"""The Chromium process of the browser lane: found, launched by us, and never left behind.

Chromium is started as our own subprocess (not by Playwright's launcher) so that we own its
life: it runs in a process group of its own (``start_new_session=True``), on Linux it gets
SIGKILL when the thread that started it dies (``PR_SET_PDEATHSIG``), and :meth:`ChromiumProcess.stop`
— also called at interpreter exit — kills the whole group and removes the throw-away profile.
Callers talk to it over the DevTools protocol::

    with ChromiumProcess(find_chromium() or raise_unavailable()) as chromium:
        browser = await playwright.chromium.connect_over_cdp(chromium.start())

The endpoint is read from ``<profile>/DevToolsActivePort``, which Chromium writes once its
DevTools server listens on the port it picked (``--remote-debugging-port=0``: no port race).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from archiver.core.errors import ArchiverError

__all__ = ["BROWSER_NAMES", "BrowserUnavailable", "ChromiumProcess", "find_chromium"]

log = logging.getLogger(__name__)

#: Executables looked for on PATH, in this order, when no executable is configured.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: The environment variable naming the executable (a path or a name on PATH).
EXECUTABLE_VARIABLE = "ARCHIVER_BROWSER_EXECUTABLE"

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-port=0",
)
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 5.0


class BrowserUnavailable(ArchiverError):
    """No Chromium to run the browser lane with (or it would not start)."""

    exit_code = 2
    http_status = 503

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "no Chromium found for the browser lane: install it "
                         "(`apt-get install chromium`) or set ARCHIVER_BROWSER_EXECUTABLE to its path")


def find_chromium(configured: str | None = None) -> str | None:
    """The Chromium executable to use: ``configured``, else ``$ARCHIVER_BROWSER_EXECUTABLE``, else PATH.

    A configured value may be a path or a name on PATH; None when nothing usable is found.
    """
    for candidate in (configured, os.environ.get(EXECUTABLE_VARIABLE)):
        if candidate:
            return _executable(candidate)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _executable(candidate: str) -> str | None:
    path = Path(candidate).expanduser()
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    return shutil.which(candidate)


class ChromiumProcess:
    """One headless Chromium with a fresh profile, reachable over CDP, killed with its whole group."""

    def __init__(self, executable: str, *, memory_mb: int | None = None, extra_args: Sequence[str] = ()) -> None:
        self.executable = executable
        self.memory_mb = memory_mb
        self.extra_args = tuple(extra_args)
        self.endpoint: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._profile: Path | None = None

    @property
    def pid(self) -> int | None:
        """The browser process's id while it runs (also its process group's id)."""
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        """True while the browser process runs."""
        return self._process is not None and self._process.poll() is None

    def command(self, profile: Path) -> list[str]:
        """The command line Chromium is started with."""
        args = [self.executable, *_FLAGS, f"--user-data-dir={profile}"]
        if self.memory_mb:
            args.append(f"--js-flags=--max-old-space-size={int(self.memory_mb)}")
        args.extend(self.extra_args)
        args.append("about:blank")
        return args

    def start(self) -> str:
        """Launch Chromium and return its DevTools endpoint ``http://127.0.0.1:PORT``.

        Raises :class:`BrowserUnavailable` when it cannot be started or does not listen in time.
        """
        if self.alive() and self.endpoint:
            return self.endpoint
        self.stop()
        _sweep_orphan_profiles()
        self._profile = Path(tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-"))
        try:
            self._process = subprocess.Popen(
                self.command(self._profile), env=_child_environment(self._profile),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True,
                preexec_fn=_die_with_parent(os.getpid()) if sys.platform == "linux" else None)
        except OSError as error:
            self.stop()
            raise BrowserUnavailable(f"Chromium ({self.executable}) could not be started: {error}") from error
        _LIVE.add(self)
        port = self._wait_for_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        log.debug("Chromium %s started (pid %d) at %s", self.executable, self.pid, self.endpoint)
        return self.endpoint

    def _wait_for_port(self) -> int:
        assert self._profile is not None and self._process is not None
        marker = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise BrowserUnavailable(f"Chromium ({self.executable}) exited at start (status {code})")
            with contextlib.suppress(OSError, ValueError, IndexError):
                port = int(marker.read_text().splitlines()[0])
                if port > 0:
                    return port
            time.sleep(0.05)
        self.stop()
        raise BrowserUnavailable(f"Chromium ({self.executable}) did not open its DevTools port "
                                 f"in {_START_TIMEOUT:.0f}s")

    def stop(self) -> None:
        """Kill the browser's whole process group, wait for it, and remove the temporary profile."""
        process, self._process, self.endpoint = self._process, None, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=_STOP_TIMEOUT)
        _LIVE.discard(self)
        profile, self._profile = self._profile, None
        if profile is not None:
            shutil.rmtree(profile, ignore_errors=True)

    def __enter__(self) -> ChromiumProcess:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ChromiumProcess({self.executable!r}, pid={self.pid}, endpoint={self.endpoint!r})"


_LIVE: set[ChromiumProcess] = set()


#: Temporary profiles are named ``archiver-chromium-<owner pid>-*``.
_PROFILE_PREFIX = "archiver-chromium-"
#: Chromium's singleton socket lives under its TMPDIR; a Unix socket path has at most 107 bytes.
_SHORT_ENOUGH = 60


def _child_environment(profile: Path) -> dict[str, str]:
    """The browser's environment: its temporary files inside its profile (removed with it) when the
    path leaves room for Chromium's socket, else the inherited TMPDIR."""
    env = dict(os.environ)
    if len(str(profile)) <= _SHORT_ENOUGH:
        env["TMPDIR"] = str(profile)
    return env


def _sweep_orphan_profiles() -> None:
    """Remove the profiles of owners that died without cleaning up (their Chromium died with them)."""
    if not Path("/proc/self").exists():
        return  # no way to tell a live owner from a dead one
    with contextlib.suppress(OSError):
        for entry in Path(tempfile.gettempdir()).glob(f"{_PROFILE_PREFIX}*-*"):
            owner = entry.name[len(_PROFILE_PREFIX):].split("-", 1)[0]
            if owner.isdigit() and not Path(f"/proc/{owner}").exists():
                shutil.rmtree(entry, ignore_errors=True)


@atexit.register
def _stop_all() -> None:
    """At interpreter exit, no Chromium we started is left running."""
    for chromium in list(_LIVE):
        chromium.stop()


def _die_with_parent(parent: int) -> Callable[[], None]:
    """A pre-exec hook (Linux): Chromium gets SIGKILL when the thread that started it ends.

    Like the scheduler's children (archiver.services.scheduling.child); SIGKILL because a browser
    has nothing to save. PR_SET_PDEATHSIG follows the starting *thread*, so the lane starts
    Chromium from the reactor's thread, which lives as long as the process.
    """

    def hook() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGKILL)

    return hook
