"""Outside tools (pywb, py-wacz) in virtual environments of their own, built once and cached.

pywb cannot share the project's environment (it pins an old redis and brings brotlipy, which
breaks Scrapy's brotli decoding), and py-wacz pulls a large dependency tree the archiver does
not need. Each tool gets a venv under ``~/.cache/news-archiver-tests/`` (or
``$NEWS_ARCHIVER_TOOLS_CACHE``), built under a lock in a temporary directory and renamed into
place when complete, so concurrent test sessions never see half a venv. When the package
index cannot be reached the caller skips with the reason.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

__all__ = ["ToolUnavailable", "tool_venv"]


class ToolUnavailable(Exception):
    """The tool's venv could not be built (no package index, a failed install)."""


def _cache_root() -> Path:
    root = os.environ.get("NEWS_ARCHIVER_TOOLS_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "news-archiver-tests"


def tool_venv(name: str, requirements: list[str], *, timeout: float = 600) -> Path:
    """The ``bin`` directory of a venv holding ``requirements`` (built on first use)."""
    key = hashlib.sha256(" ".join([sys.version, *requirements]).encode()).hexdigest()[:12]
    root = _cache_root()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{name}-{key}"
    bindir = target / "bin"
    if (target / ".complete").exists():
        return bindir
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return bindir
        building = root / f"{name}-{key}.building"
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(building)
        pip = [str(building / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q",
               "install", *requirements]
        try:
            result = subprocess.run(pip, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            shutil.rmtree(building, ignore_errors=True)
            raise ToolUnavailable(f"installing {' '.join(requirements)} took over {timeout:.0f} s") from exc
        if result.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ToolUnavailable(f"pip install {' '.join(requirements)} failed: {tail[0]}")
        # A venv's scripts name their interpreter by absolute path: rebuild them in the final place.
        building.rename(target)
        for script in bindir.iterdir():
            if script.is_file() and not script.is_symlink():
                data = script.read_bytes()
                if data.startswith(b"#!") and str(building).encode() in data:
                    script.write_bytes(data.replace(str(building).encode(), str(target).encode()))
        cfg = target / "pyvenv.cfg"
        cfg.write_text(cfg.read_text().replace(str(building), str(target)))
        (target / ".complete").write_text("ok\n")
    return bindir
