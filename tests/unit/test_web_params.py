"""Out-of-range ids and numbers in URLs are 404 or 422 (400 on the HTML pages), never 500 (issue 19, item 5)."""

from __future__ import annotations

import asyncio

import pytest
from support.catalogue_samples import add_article
from support.web import asgi_client

from archiver.web import WebConfig
from archiver.web.params import parse_status
from storage import Archive, StorageConfig

BIG = "99999999999999999999"
INT64_MAX = "9223372036854775807"

ANSWERS = {
    f"/api/captures/{BIG}": 404, f"/api/captures/-{BIG}": 404, "/api/captures/9223372036854775808": 404,
    f"/api/captures/{INT64_MAX}": 404, f"/replay/{BIG}": 404, f"/captures/{BIG}": 404,
    f"/replay/{BIG}/https://news.example/": 404,
    f"/api/search?status={BIG}": 422, "/api/search?status=42": 422, f"/api/search?offset={INT64_MAX}": 422,
    f"/api/search?q=budget&offset={BIG}": 422, f"/api/export?status={BIG}": 422,
    f"/api/diff?url=https://news.example/&from={BIG}": 422,
    f"/?status={BIG}": 400, f"/?page={INT64_MAX}": 400, f"/diff?url=https://news.example/&from={BIG}": 404,
    f"/feeds/changes.atom?min_words={BIG}": 400,
}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> StorageConfig:
    config = StorageConfig.from_env({}, home=tmp_path_factory.mktemp("params") / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        add_article(archive, "https://news.example/2024/04/02/budget", title="Budget agreed",
                    text="The council agreed the budget.")
    return config


def fetch(config: StorageConfig, paths: list[str]) -> dict[str, tuple[int, str]]:
    async def run() -> dict[str, tuple[int, str]]:
        async with asgi_client(WebConfig(storage=config)) as client:
            return {path: ((r := await client.get(path)).status_code, r.text) for path in paths}
    return asyncio.run(run())


def test_out_of_range_numbers_are_client_errors(config: StorageConfig) -> None:
    answers = fetch(config, list(ANSWERS))
    assert {path: status for path, (status, _) in answers.items()} == ANSWERS
    assert "no capture 99999999999999999999" in answers[f"/api/captures/{BIG}"][1]
    assert "offset" in answers[f"/api/search?offset={INT64_MAX}"][1]


def test_numbers_in_range_still_work(config: StorageConfig) -> None:
    answers = fetch(config, ["/api/captures/1", "/replay/1", "/captures/1", "/api/search?status=200&offset=0",
                             "/?status=200&page=1", "/?page=0"])
    assert answers["/api/captures/1"][0] == 200 and answers["/captures/1"][0] == 200
    assert answers["/replay/1"][0] in (303, 307)
    assert answers["/api/search?status=200&offset=0"][0] == 200 and answers["/?page=0"][0] == 200


def test_the_search_form_names_a_bad_status() -> None:
    assert parse_status(" ") is None and parse_status("404") == 404
    with pytest.raises(ValueError, match="not an HTTP status"):
        parse_status(BIG)
    with pytest.raises(ValueError, match="not a number"):
        parse_status("abc")


def test_every_route_takes_its_capture_id_through_params() -> None:
    """No route declares a bare ``capture_id: int``: they all use archiver.web.params.CaptureId."""
    import inspect

    from archiver.web import api, pages
    from archiver.web.replay import routes
    for module in (api, pages, routes):
        source = inspect.getsource(module)
        assert "capture_id: int" not in source, module.__name__
