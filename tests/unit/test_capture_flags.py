"""Capture flags: marks kept on an archived exchange (``blocked``, ``decoded-limit``) and shown in its record."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.services import BACKENDS
from support.warc_samples import request as http_request

from archiver.services.records import capture_record
from storage import Archive, StorageConfig
from storage.warc.http import HttpResponse


@pytest.mark.parametrize("backend", BACKENDS)
def test_flags_are_kept_once_each_in_order_and_shown(backend: str, tmp_path: Path,
                                                     request: pytest.FixtureRequest) -> None:
    env = {} if backend == "sqlite" else {"ARCHIVER_DATABASE_URL": request.getfixturevalue("postgres_url")}
    config = StorageConfig.from_env(env, home=tmp_path, fsync_interval=0.0)
    with Archive(config) as archive:
        capture = archive.record_exchange("https://news.example/wall", http_request("/wall"), HttpResponse(
            status=403, headers=[("Content-Type", "text/html")], body=b"<html>Access denied</html>"))
        assert capture.flags is None and capture_record(capture, None)["flags"] == []
        assert archive.catalogue.add_capture_flags(capture.id, ["blocked"]) == ["blocked"]
        assert archive.catalogue.add_capture_flags(capture.id, ["decoded-limit", "blocked", "decoded-limit"]) == [
            "blocked", "decoded-limit"]
        stored = archive.catalogue.get_capture(capture.id)
        assert stored is not None and stored.flags == ["blocked", "decoded-limit"]
        assert capture_record(stored, None)["flags"] == ["blocked", "decoded-limit"]
        with pytest.raises(LookupError):
            archive.catalogue.add_capture_flags(capture.id + 1000, ["blocked"])
