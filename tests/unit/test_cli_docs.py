"""Every command has help text with an example (sqlite-utils' habit)."""

from __future__ import annotations

import pytest
from support.cli import run_cli
from typer.main import get_command

from archiver.cli import app

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def test_commands_exist() -> None:
    assert {"archive", "show", "get", "verify"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_documents_an_example(name: str) -> None:
    result = run_cli(None, name, "--help")
    assert result.returncode == 0
    assert "Example:" in result.output, f"`archiver {name} --help` shows no example"
