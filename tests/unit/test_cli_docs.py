"""Every command has help text with an example (sqlite-utils' habit); the README lists and shows them all."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from support.cli import run_cli
from typer.main import get_command

from archiver.cli import app

GROUP: Any = get_command(app)
COMMANDS = sorted(GROUP.list_commands(None))


def test_commands_exist() -> None:
    assert {"archive", "show", "get", "verify"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_documents_an_example(name: str) -> None:
    result = run_cli(None, name, "--help")
    assert result.returncode == 0
    assert "Example:" in result.output, f"`archiver {name} --help` shows no example"


# --------------------------------------------------------------------------- the README

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _table_commands(text: str) -> set[str]:
    """The command names in the first column of the README's commands table (`archiver NAME ...`)."""
    return set(re.findall(r"^\| `archiver ([a-z-]+)", text, flags=re.MULTILINE))


def _examples(text: str) -> list[str]:
    """Every ``$ archiver ...`` line in the README's code blocks."""
    return [line[2:] for line in text.splitlines() if line.startswith("$ archiver ")]


def test_readme_is_short() -> None:
    assert len(README.splitlines()) < 250


def test_every_command_is_in_the_readme_table() -> None:
    assert _table_commands(README) == set(COMMANDS)


def test_the_readme_has_examples_of_the_three_jobs() -> None:
    examples = " ".join(_examples(README))
    for wanted in ("archiver archive ", "archiver crawl ", "archiver schedule add ", "archiver search "):
        assert wanted in examples


@pytest.mark.parametrize("example", _examples(README))
def test_every_readme_example_parses(example: str) -> None:
    """Each example names a command and only options it has, with values it takes (nothing runs)."""
    words = shlex.split(example, comments=True)[1:]
    command: Any = GROUP
    path = ["archiver"]
    while hasattr(command, "commands") and words and not words[0].startswith("-"):
        assert words[0] in command.list_commands(None), f"{example!r}: no command {words[0]!r} in {' '.join(path)}"
        path.append(words[0])
        command, words = command.get_command(None, words[0]), words[1:]
    command.make_context(" ".join(path), list(words))  # raises a usage error for a bad option or value


def test_every_local_link_resolves() -> None:
    for document in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", document.read_text()):
            assert (document.parent / target).exists(), f"{document.name} links to missing {target}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = set(re.findall(r"\]\(docs/([^)#]+)\)", README))
    assert {page.name for page in (ROOT / "docs").glob("*.md")} <= linked
