"""Fixtures every test may use: a throw-away archive and the in-process CLI on it; outside services.

Helpers live in the ``support`` package (``tests/`` is on sys.path through pyproject's ``pythonpath``);
``unit/`` holds the in-process tests, ``e2e/`` those that start a process or a server (marked slow).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from support.cli import DEFAULT_ENV, CliResult, run_cli

from storage import Archive, StorageConfig

pytest_plugins = ["support.services"]  # postgres_url, redis_url

# Archive jobs the web app starts in this process (archive-now) inherit os.environ: no screenshots there either.
for _name, _value in DEFAULT_ENV.items():
    os.environ.setdefault(_name, _value)


@pytest.fixture
def storage_config(tmp_path: Path) -> StorageConfig:
    """Storage settings for an empty archive under tmp_path (fsync every record)."""
    return StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)


@pytest.fixture
def archive(storage_config: StorageConfig) -> Iterator[Archive]:
    """An opened, empty archive, closed after the test."""
    with Archive(storage_config, warcinfo={"isPartOf": "tests"}) as opened:
        yield opened


@pytest.fixture
def cli(storage_config: StorageConfig) -> Callable[..., CliResult]:
    """``cli(*args, env=None)``: :func:`support.cli.run_cli` on the archive of ``storage_config`` / ``archive``."""
    return partial(run_cli, storage_config.home)
