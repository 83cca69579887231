"""URLs robots.txt forbids are said (counted in the run as ``robots``, listed by ``runs show``, named by
``archive``), and an archive run has counts like a crawl's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver
from support.crawl_site import article_path, running_crawl_site


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with running_crawl_site("--articles", "3") as running:
        yield running.url


def test_archive_names_robots_txt(site: str, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = run_archiver(home, "archive", "--obey-robots", "--no-requisites", f"{site}private/secret")
    assert result.returncode == 1
    assert "refused by robots.txt" in result.stdout and "run with -v" not in result.stdout, result.stdout
    as_json = run_archiver(home, "archive", "--json", "--obey-robots", "--no-requisites", f"{site}private/secret")
    assert "robots.txt" in json.loads(as_json.stdout)["error"]


def test_crawl_counts_and_runs_show_lists_them(site: str, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    listed = tmp_path / "urls.txt"
    listed.write_text(f"{site}private/secret\n{site}{article_path(1).lstrip('/')}\n")
    crawl = run_archiver(home, "crawl", "--urls", str(listed))
    assert "1 refused by robots.txt" in crawl.stdout, crawl.stdout + crawl.stderr
    run = json_lines(run_archiver(home, "runs", "--json").stdout)[0]
    assert run["counts"]["robots"] == 1
    shown = run_archiver(home, "runs", "show", str(run["id"])).stdout
    assert "refused by robots.txt" in shown and f"{site}private/secret" in shown


def test_an_archive_run_has_counts_like_a_crawl(site: str, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    url = f"{site}{article_path(2).lstrip('/')}"
    assert run_archiver(home, "archive", "--no-requisites", url).returncode == 0
    run = json_lines(run_archiver(home, "runs", "--json").stdout)[0]
    assert run["kind"] == "archive"
    assert (run["counts"]["pages"], run["counts"]["articles"], run["counts"]["errors"]) == (1, 1, 0), run
