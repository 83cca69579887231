"""The strictly typed packages pass mypy, with the settings in pyproject.toml ([tool.mypy]).

Only storage/ and archiver/extraction/ are checked: the rest of the project is not typed strictly yet.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRICT = ["storage", "archiver/extraction"]


def test_strict_packages_pass_mypy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(ROOT / ".mypy_cache"), *STRICT],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}{result.stderr}"
