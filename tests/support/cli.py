"""The two ways tests run the ``archiver`` command: in this process, or as the installed console script.

:func:`run_cli` calls the Typer app in process (fast; the usual choice). :func:`run_archiver` and
:func:`start_archiver` run the installed ``archiver`` script in a subprocess, for what only a
real process shows: exit codes and tracebacks of the console script, signals, concurrency.
Both run on the archive at ``home`` with the environment :func:`archiver_env` gives it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest

__all__ = ["DEFAULT_ENV", "HOME_ENV", "CliResult", "archiver_env", "json_lines", "run_archiver", "run_cli",
           "start_archiver", "tool"]

BIN = Path(sys.executable).parent

#: What every archiver run by the tests gets unless the test says otherwise: no screenshot step, so
#: the hundreds of ``archive`` runs start no Chromium (screenshot tests pass ARCHIVER_SCREENSHOT=true).
DEFAULT_ENV = {"ARCHIVER_SCREENSHOT": "false"}

#: Environment of an archive home whose catalogue is not its SQLite file (``ARCHIVER_DATABASE_URL``),
#: registered by fixtures that build one catalogue per backend; both runners add it for that home.
HOME_ENV: dict[Path, dict[str, str]] = {}


class CliResult(NamedTuple):
    """What an in-process run gave: unpacks as ``code, out, err``, reads like a CompletedProcess."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout, then stderr: what a terminal would show of a command that prints to only one."""
        return self.stdout + self.stderr


def tool(name: str) -> str:
    """Path of a console script installed next to this Python (warcio, cdxj-indexer, scrapy, archiver)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed in the test environment")
    return found


def _home_env(home: Path | None) -> dict[str, str]:
    return {} if home is None else {"ARCHIVER_HOME": str(home), **HOME_ENV.get(home, {})}


def run_cli(home: Path | None, *args: str, env: Mapping[str, str] | None = None) -> CliResult:
    """Run ``archiver ARGS`` in process on the archive at ``home`` (its :data:`HOME_ENV` and ``env`` added).

    An exception other than the exit the command chose is raised here, with its traceback.
    """
    from typer.testing import CliRunner

    from archiver.cli import app

    result = CliRunner().invoke(app, list(args), env={**DEFAULT_ENV, **_home_env(home), "NO_COLOR": "1",
                                                      "COLUMNS": "200", **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def archiver_env(home: Path | None, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of an archiver subprocess on ``home``: this process's, without its own
    ``ARCHIVER_*`` settings, plus :data:`DEFAULT_ENV`, ARCHIVER_HOME, the home's :data:`HOME_ENV`,
    NO_COLOR and ``env``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    return {**inherited, **DEFAULT_ENV, **_home_env(home), "NO_COLOR": "1", **(env or {})}


def _cwd(home: Path | None, cwd: Path | None) -> Path | None:
    """Where a child runs: ``cwd``, else beside the archive (away from the repository's scrapy.cfg)."""
    if cwd is None and home is not None and home.parent.is_dir():
        return home.parent
    return cwd


def run_archiver(home: Path | None, *args: str, env: Mapping[str, str] | None = None, timeout: float = 180,
                 cwd: Path | None = None, text: bool = True, check: bool = False) -> subprocess.CompletedProcess[Any]:
    """Run the installed ``archiver ARGS`` on ``home`` to its end (in ``cwd``, default beside ``home``);
    its output is captured (``text`` or bytes); ``check`` raises CalledProcessError on a non-zero exit."""
    return subprocess.run([tool("archiver"), *args], capture_output=True, text=text, env=archiver_env(home, env),
                          timeout=timeout, cwd=_cwd(home, cwd), check=check)


def start_archiver(home: Path | None, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
                   **popen: Any) -> subprocess.Popen[Any]:
    """Start the installed ``archiver ARGS`` on ``home`` and return at once; ``popen`` goes to Popen
    (stdout and stderr default to pipes, text to True)."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen([tool("archiver"), *args], env=archiver_env(home, env), cwd=_cwd(home, cwd), **options)


def json_lines(output: str) -> list[dict[str, Any]]:
    """The JSON objects of a ``--json`` output, one a line (blank lines skipped)."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]
