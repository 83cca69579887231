"""Every test under ``tests/e2e/`` is marked ``slow``: it starts a process or a server (a fixture
site, the ``archiver`` script, Chromium, pywb) or needs PostgreSQL/Redis. ``-m "not slow"`` leaves them out."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.slow)
