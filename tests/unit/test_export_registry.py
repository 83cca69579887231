"""The export registry: a format registered by a test (no edit to the CLI or the API) is a
``--format`` choice with its help, exports through ``archiver export``, and is listed and
streamed by the JSON API; the built-in formats stream the CLI's bytes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from support.catalogue_samples import SEED_URL, config_for, sample_catalogue
from support.cli import run_cli

from archiver.services.export import ExportSource, exporters, register, unregister
from archiver.services.export.registry import ENTRY_POINT_GROUP, Exporter
from archiver.web import WebConfig, create_app
from storage.catalogue.models import Article


class UrlListExporter:
    """A toy format: one URL a line."""

    name = "urls-toy"
    help = "Toy format for the registry test: one URL a line."
    needs_output = False
    writes_directory = False
    suffix = ".txt"
    media_type = "text/plain; charset=utf-8"

    def export(self, source: ExportSource, selection: Iterable[Article], output: BinaryIO) -> int:
        count = 0
        for article in selection:
            output.write(f"{article.capture.url}\n".encode())
            count += 1
        return count


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("registry") / "archive"
    with sample_catalogue(home, "sqlite"):
        yield home


@pytest.fixture
def toy() -> Iterator[UrlListExporter]:
    exporter = register(UrlListExporter())
    yield exporter
    unregister(exporter.name)


def api(home: Path, path: str, **params: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(WebConfig(storage=config_for(home))))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get(path, params=params)
    return asyncio.run(go())


def test_builtin_formats_are_registered_exporters() -> None:
    names = [item.name for item in exporters()]
    assert names[:5] == ["jsonl", "csv", "markdown", "warc", "wacz"]
    assert all(isinstance(item, Exporter) for item in exporters())
    assert ENTRY_POINT_GROUP == "archiver.exporters"


def test_a_registered_format_is_in_the_cli_help_and_exports(home: Path, toy: UrlListExporter,
                                                            tmp_path: Path) -> None:
    code, out, _err = run_cli(home, "export", "--help")
    assert code == 0 and "urls-toy" in out and "Toy format for the registry test" in out
    code, out, err = run_cli(home, "export", "--format", "urls-toy", "--site", "news.example.org")
    assert code == 0, err
    assert out.splitlines() and all(line.startswith("https://news.example.org/") for line in out.splitlines())
    assert "as urls-toy to stdout" in err
    target = tmp_path / "urls.txt"
    code, _out, err = run_cli(home, "export", "-f", "urls-toy", "-o", str(target))
    assert code == 0, err
    assert SEED_URL in target.read_text().splitlines()


def test_unknown_format_is_a_usage_error(home: Path) -> None:
    code, _out, err = run_cli(home, "export", "--format", "nope")
    assert code == 2 and err.startswith("error: unknown export format 'nope'")


def test_a_registered_format_is_listed_and_streamed_by_the_api(home: Path, toy: UrlListExporter) -> None:
    listed = api(home, "/api/export/formats").json()["formats"]
    by_name = {item["name"]: item for item in listed}
    assert by_name["urls-toy"] == {"name": "urls-toy", "help": UrlListExporter.help, "streamable": True,
                                   "suffix": ".txt", "media_type": "text/plain; charset=utf-8"}
    assert by_name["warc"]["streamable"] is False and by_name["jsonl"]["streamable"] is True
    response = api(home, "/api/export", format="urls-toy", q="Armenia CSTO", limit="1")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.text.splitlines() == [SEED_URL]


def test_api_streams_the_cli_bytes_and_refuses_what_it_cannot_stream(home: Path) -> None:
    code, out, err = run_cli(home, "export", "--all-versions")
    assert code == 0, err
    response = api(home, "/api/export", format="jsonl", all_versions="true")
    assert response.status_code == 200 and response.text == out
    assert [json.loads(line)["capture_id"] for line in response.text.splitlines()]
    assert api(home, "/api/export", format="warc").status_code == 400
    assert api(home, "/api/export", format="nope").status_code == 400
    bad = api(home, "/api/export", q="Armenia OR")
    assert bad.status_code == 400 and "bad search query" in bad.json()["detail"]


def test_a_plugin_registers_through_the_entry_point_group(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib.metadata import EntryPoint

    from archiver.services.export import registry

    points = [EntryPoint("toy", f"{__name__}:UrlListExporter", ENTRY_POINT_GROUP),
              EntryPoint("broken", "no_such_module_here:thing", ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry, "entry_points", lambda group: points if group == ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(registry, "_registry", {})
    monkeypatch.setattr(registry, "_loaded", False)
    names = [item.name for item in exporters()]
    assert names == ["jsonl", "csv", "markdown", "warc", "wacz", "urls-toy"]  # the broken one is skipped
