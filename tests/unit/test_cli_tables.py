"""Every table the CLI prints fits 80 columns: cells wrap or fold, nothing is cut to ``…``; options read as typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.catalogue_samples import config_for, sample_catalogue
from support.cli import run_cli

from archiver.cli import common
from archiver.cli.runs import option_text
from storage import Archive

LONG_NAME = "sitemap-www.themoscowtimes.com-nightly-backfill"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("tables") / "archive"
    with sample_catalogue(home, "sqlite"):
        with Archive(config_for(home)) as archive:
            run_id = archive.start_run("sitemap", name=LONG_NAME, settings={
                "options": {"start": "https://www.themoscowtimes.com/sitemap.xml", "max_pages": 500,
                            "allow": ["/news/", "/opinion/"], "refresh": False}})
            archive.finish_run(run_id, status="max-pages", stats={"counts": {
                "pages": 500, "articles": 471, "new_articles": 471, "revisits": 12, "errors": 2}})
        assert run_cli(home, "schedule", "add", "moscow-times-nightly-backfill", "--cron", "0 */2 * * *",
                       "--timezone", "America/Argentina/Buenos_Aires", "--",
                       "--sitemap", "https://www.themoscowtimes.com/sitemap.xml").returncode == 0
        yield home


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common.console, "_width", 80)  # the width property's setter would outlive the test


@pytest.mark.parametrize("command", [("runs",), ("stats",), ("stats", "--extraction"), ("schedule", "list")],
                         ids=" ".join)
def test_tables_fit_80_columns(home: Path, narrow: None, command: tuple[str, ...]) -> None:
    result = run_cli(home, *command)
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, result.stdout
    assert "…" not in result.stdout, result.stdout


def test_runs_keeps_every_value_at_80_columns(home: Path, narrow: None) -> None:
    out = run_cli(home, "runs").stdout
    for value in ("max-pages", "500", "471", "(sitemap)", LONG_NAME[:10]):  # the name wraps over lines
        assert value in out
    assert sum(ch.isalnum() for ch in out) >= sum(ch.isalnum() for ch in LONG_NAME + "max-pages500471471122")


def test_runs_show_prints_options_as_typed(home: Path) -> None:
    out = run_cli(home, "runs", "show", "1").stdout
    assert "allow: /news/, /opinion/" in out and "refresh: no" in out and "max_pages: 500" in out
    assert "{" not in out and "['" not in out


def test_option_text() -> None:
    assert option_text(["a", "b"]) == "a, b"
    assert (option_text(True), option_text(None), option_text(3)) == ("yes", "-", "3")
