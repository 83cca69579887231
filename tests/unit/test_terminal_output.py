"""Terminal hygiene: binary or foreign-charset bytes are not written to a terminal; HTML is decoded for it."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from support.cli import run_cli
from support.warc_samples import request as http_request

from archiver.cli import terminal
from storage import Archive, StorageConfig
from storage.warc.http import HttpResponse

CYRILLIC = "<html><head><title>Новости</title></head><body><p>Протесты в Ереване</p></body></html>"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        archive.record_exchange("https://news.example/ru", http_request("/ru"), HttpResponse(
            status=200, headers=[("Content-Type", "text/html; charset=windows-1251"), ("Content-Encoding", "gzip")],
            body=gzip.compress(CYRILLIC.encode("cp1251"), mtime=0)))
    return tmp_path / "archive"


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(terminal, "is_terminal", lambda stream: True)


def test_get_refuses_gzip_on_a_terminal(home: Path, on_a_terminal: None) -> None:
    result = run_cli(home, "get", "https://news.example/ru")
    assert result.returncode == 2 and result.stdout == ""
    assert "gzip-compressed" in result.stderr and "-o FILE" in result.stderr


def test_get_refuses_a_foreign_charset_on_a_terminal(home: Path, on_a_terminal: None) -> None:
    result = run_cli(home, "get", "--decoded", "https://news.example/ru")
    assert result.returncode == 2 and "not utf-8 text" in result.stderr


def test_get_writes_anyway_with_dash_and_always_to_a_file(home: Path, on_a_terminal: None, tmp_path: Path) -> None:
    assert run_cli(home, "get", "-o", "-", "https://news.example/ru").returncode == 0
    target = tmp_path / "page.gz"
    assert run_cli(home, "get", "-o", str(target), "https://news.example/ru").returncode == 0
    assert gzip.decompress(target.read_bytes()) == CYRILLIC.encode("cp1251")


def test_show_html_is_decoded_for_the_terminal(home: Path, on_a_terminal: None) -> None:
    result = run_cli(home, "show", "--format", "html", "https://news.example/ru")
    assert result.returncode == 0 and "Протесты в Ереване" in result.stdout


def test_a_pipe_gets_the_bytes_as_archived(home: Path) -> None:
    result = run_cli(home, "get", "--decoded", "https://news.example/ru")
    assert result.returncode == 0  # no terminal: nothing refused
