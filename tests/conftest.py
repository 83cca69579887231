"""Shared fixtures: a throw-away archive directory, CLI tool paths, outside services."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from services import postgres_url, redis_url  # noqa: F401 - fixtures for the tests that need them

from storage import Archive, StorageConfig

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """Path of a console script installed next to this Python (warcio, cdxj-indexer, archiver)."""
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed in the test environment")
    return found


@pytest.fixture
def storage_config(tmp_path: Path) -> StorageConfig:
    """Storage settings for an empty archive under tmp_path (fsync every record)."""
    return StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)


@pytest.fixture
def archive(storage_config: StorageConfig):
    """An opened, empty archive, closed after the test."""
    with Archive(storage_config, warcinfo={"isPartOf": "tests"}) as opened:
        yield opened
