"""One ArchiverConfig: options > environment > ARCHIVE/archiver.toml > defaults, and clear words for bad values."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archiver.cli import app
from archiver.core.config import ENV_PRIORITY, FILE_PRIORITY, SETTINGS, ArchiverConfig
from archiver.core.errors import ConfigError

VALID = {"str": "NEWS", "int": 3, "float": 2.5, "bool": True, "size": "2MB", "duration": "1h30m", "path": "/tmp/x"}


def _write(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "archiver.toml"
    path.write_text(text)
    return path


def test_the_precedence_is_options_then_environment_then_file_then_defaults(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    _write(home, '[crawl]\nrecrawl_after = "12h"\ncontact = "desk@example.org"\n[storage]\nwarc_prefix = "FILE"\n')
    assert ArchiverConfig.load(home=tmp_path / "elsewhere", environ={}).crawl.recrawl_after == "1d"  # default

    config = ArchiverConfig.load(home=home, environ={})
    assert config.crawl.recrawl_after == "12h" and config.storage.warc_prefix == "FILE"
    assert config.source_of("ARCHIVER_RECRAWL_AFTER") == f"{home / 'archiver.toml'}:2"

    environ = {"ARCHIVER_RECRAWL_AFTER": "6h", "ARCHIVER_WARC_PREFIX": "ENV"}
    config = ArchiverConfig.load(home=home, environ=environ)
    assert config.crawl.recrawl_after == "6h" and config.storage.warc_prefix == "ENV"
    assert config.crawl.contact == "desk@example.org"  # the file still gives what the environment does not
    assert config.source_of("ARCHIVER_RECRAWL_AFTER") == "environment variable ARCHIVER_RECRAWL_AFTER"

    config = ArchiverConfig.load(home=home, environ=environ, options={"ARCHIVER_RECRAWL_AFTER": "2w"})
    assert config.crawl.recrawl_after == "2w" and config.storage.warc_prefix == "ENV"

    settings = config.scrapy_settings({"LOG_LEVEL": "WARNING"})
    assert settings.get("ARCHIVER_RECRAWL_AFTER") == "2w" and settings.getpriority("ARCHIVER_RECRAWL_AFTER") == 40
    assert settings.get("ARCHIVER_WARC_PREFIX") == "ENV"
    assert settings.getpriority("ARCHIVER_WARC_PREFIX") == ENV_PRIORITY
    assert settings.get("ARCHIVER_CONTACT") == "desk@example.org"
    assert settings.getpriority("ARCHIVER_CONTACT") == FILE_PRIORITY
    assert settings.get("ARCHIVER_HOME") == str(home)


def test_the_home_comes_from_the_option_then_the_environment(tmp_path: Path) -> None:
    given = ArchiverConfig.load(home=tmp_path / "a", environ={"ARCHIVER_HOME": str(tmp_path / "b")})
    assert given.home == tmp_path / "a"
    config = ArchiverConfig.load(environ={"ARCHIVER_HOME": str(tmp_path / "b")})
    assert config.home == tmp_path / "b" and config.storage.warc_dir == tmp_path / "b" / "warcs"
    assert config.storage.database_url == f"sqlite:///{tmp_path / 'b' / 'catalogue.sqlite'}"


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.file], ids=lambda s: f"{s.section}.{s.key}")
def test_archiver_toml_sets_every_setting(tmp_path: Path, setting) -> None:  # noqa: ANN001
    value = VALID[setting.kind]
    text = f'[{setting.section}]\n# a comment first\n{setting.key} = {value!r}\n'.replace("'", '"')
    if isinstance(value, bool):
        text = f"[{setting.section}]\n# a comment first\n{setting.key} = true\n"
    home = tmp_path / "archive"
    _write(home, text)
    config = ArchiverConfig.load(home=home, environ={})
    assert config.source_of(setting.name) == f"{home / 'archiver.toml'}:3"
    expected = Path(value) if setting.kind == "path" else value
    assert config.values[setting.name] == expected
    if setting.section == "storage":  # the typed StorageConfig: sizes in bytes
        expected = 2_000_000 if setting.kind == "size" else expected
    assert getattr(getattr(config, setting.section), setting.key) == expected
    assert config.scrapy_settings().getpriority(setting.name) == FILE_PRIORITY


def test_archiver_toml_sets_scrapy_settings_too(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    _write(home, "[scrapy]\nDOWNLOAD_DELAY = 2.5\n")
    settings = ArchiverConfig.load(home=home, environ={}).scrapy_settings()
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.5
    settings = ArchiverConfig.load(home=home, environ={}, options={"DOWNLOAD_DELAY": "1"}).scrapy_settings()
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0  # -s wins


@pytest.mark.parametrize(("text", "words"), [
    ('[crawl]\nrecrawl_after = "12h"\nmax_pages = "lots"\n', ["archiver.toml:3", "[crawl] max_pages", "'lots'",
                                                            "whole number"]),
    ('[crawl]\n\nrecrawl_after = "soon"\n', ["archiver.toml:3", "[crawl] recrawl_after", "duration"]),
    ("[storage]\nwarc_max_size = -5\n", ["archiver.toml:2", "[storage] warc_max_size", "size"]),
    ("[crawl]\nmax_page = 3\n", ["archiver.toml:2", "[crawl] max_page", "unknown key", "max_pages"]),
    ("[crawling]\nmax_pages = 3\n", ["archiver.toml:1", "unknown section [crawling]"]),
    ("[storage]\nhome = 'x'\n", ["archiver.toml:2", "[storage] home", "unknown key"]),
    ("[crawl\nmax_pages = 3\n", ["archiver.toml", "not valid TOML", "line 1"]),
])
def test_a_wrong_value_in_the_file_names_file_line_and_key(tmp_path: Path, text: str, words: list[str]) -> None:
    home = tmp_path / "archive"
    _write(home, text)
    with pytest.raises(ConfigError) as caught:
        ArchiverConfig.load(home=home, environ={})
    for word in words:
        assert word in str(caught.value)
    assert caught.value.exit_code == 2


def test_a_wrong_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^environment variable ARCHIVER_MAX_PAGES: must be a whole number"):
        ArchiverConfig.load(environ={"ARCHIVER_MAX_PAGES": "-3"})
    with pytest.raises(ConfigError, match=r"^option -s ARCHIVER_EXTRACT_TIMEOUT: must be a number"):
        ArchiverConfig.load(environ={}, options={"ARCHIVER_EXTRACT_TIMEOUT": "slow"})


def test_the_cli_says_one_line_and_exits_2_on_a_bad_file(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    _write(home, '[crawl]\nrecrawl_after = "12h"\nmax_pages = "lots"\n')
    before = dict(os.environ)
    result = CliRunner().invoke(app, ["--home", str(home), "search", "anything"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "archiver.toml:3" in lines[0] and "[crawl] max_pages" in lines[0], result.output
    assert dict(os.environ) == before  # --home is not written into the environment


def test_the_cli_reads_the_file_of_its_home(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    _write(home, "[storage]\nwarc_prefix = \"DESK\"\n")
    runner = CliRunner()
    result = runner.invoke(app, ["--home", str(home), "db", "upgrade", "--json"])  # search would not create it
    assert result.exit_code == 0, result.output
    assert (home / "catalogue.sqlite").exists()
    assert runner.invoke(app, ["--home", str(home), "search", "anything", "--json"]).exit_code == 0
