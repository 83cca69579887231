"""The import contracts catch what they are there for: storage importing archiver, a service importing the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.slow


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in ("archiver", "storage", "spiders"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), "--no-cache", "--config", str(tree / "pyproject.toml")], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_import_contracts_hold() -> None:
    done = subprocess.run([str(LINT), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, "an import breaks the rule of ARCHITECTURE.md:\n" + done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "source", "contract"), [
    ("storage/uses_the_app.py", "from archiver.core.errors import CaptureError\n",
     "storage imports nothing of archiver or spiders"),
    ("archiver/services/uses_the_cli.py", "from archiver.cli.common import console\n",
     "archiver: edges -> services -> Scrapy components -> extraction -> core"),
    ("spiders/uses_storage.py", "import storage.warc\n", "spiders import nothing of archiver or storage"),
    ("archiver/cli/uses_models.py", "from storage.catalogue.models import Capture\n",
     "only storage imports the catalogue's ORM models"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, source: str, contract: str) -> None:
    tree = _copy(tmp_path)
    clean = _lint(tree)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    (tree / module).write_text(f'"""A module that breaks the rule."""\n\n{source}')
    broken = _lint(tree)
    assert broken.returncode != 0
    assert contract in broken.stdout and "BROKEN" in broken.stdout.upper()
    assert module.replace("/", ".").removesuffix(".py") in broken.stdout
