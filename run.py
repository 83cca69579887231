#!/usr/bin/env python3
"""Set up the project on first use, then run it. Needs only Python 3.11+.

    python3 run.py archive https://example.org/news/story   # any `archiver` command
    python3 run.py test                                      # the whole test suite (pytest args may follow)

The virtual environment lives in .venv/ and is (re)installed when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"


def _say(message: str) -> None:
    print(f"run.py: {message}", file=sys.stderr, flush=True)


def ensure_venv() -> None:
    """Create .venv and install the project with its test extras, unless already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py may be started by an older python3
        sys.exit(f"run.py: Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "archiver").exists():
        return
    if not (BIN / "python").exists():
        _say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    _say("installing the archiver and its dependencies (first run only)")
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    ensure_venv()
    if argv[:1] == ["test"]:
        command = [str(BIN / "python"), "-m", "pytest", *argv[1:]]
        return subprocess.call(command, cwd=ROOT)
    os.execv(str(BIN / "archiver"), [str(BIN / "archiver"), *argv])
    return 0  # not reached


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(f"run.py: setup failed ({' '.join(map(str, exc.cmd))} exited {exc.returncode})")
    except KeyboardInterrupt:
        sys.exit(130)
