"""The WARC writer's files as the standard tools (warcio, cdxj-indexer, run as subprocesses) read them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from support.cli import tool
from support.warc_samples import write_sample_file


def test_file_passes_warcio_check_and_indexers(tmp_path: Path) -> None:
    path, _ = write_sample_file(tmp_path)
    check = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout

    index = subprocess.run([tool("warcio"), "index", str(path)], capture_output=True, text=True, check=True)
    types = [json.loads(line)["warc-type"] for line in index.stdout.splitlines()]
    assert types == ["warcinfo", "response", "request", "revisit", "request", "conversion"]

    cdxj = subprocess.run([tool("cdxj-indexer"), str(path)], capture_output=True, text=True, check=True)
    lines = cdxj.stdout.splitlines()
    assert any(line.startswith("example,news)/story ") and '"status": "200"' in line for line in lines)
    assert any(line.startswith("example,news)/copy ") and "warc/revisit" in line for line in lines)
