"""``archiver --help`` imports no command; a command imports its own module only (archiver.cli.commands)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from support.cli import run_cli
from typer.main import get_command

from archiver.cli import COMMANDS, app

HEAVY = ("scrapy", "sqlalchemy", "twisted", "fastapi", "trafilatura", "storage.archive", "storage.catalogue",
         "archiver.core.config")


def _imported_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False).stdout
    return set(out.split())


def test_importing_the_cli_imports_no_command() -> None:
    modules = _imported_after("import archiver.cli")
    assert not [name for name in HEAVY if name in modules]


def test_the_group_help_imports_no_command() -> None:
    code = ("from typer.testing import CliRunner\nfrom archiver.cli import app\n"
            "assert CliRunner().invoke(app, ['--help']).exit_code == 0")
    modules = _imported_after(code)
    assert "archiver.cli.archive" in _imported_after("from archiver.cli.commands import load_command\n"
                                                     "load_command('archive')")  # the check can see imports
    assert not [name for name in (*HEAVY, "archiver.cli.archive", "archiver.cli.common") if name in modules]


def test_the_group_help_lists_every_command() -> None:
    out = run_cli(None, "--help").stdout
    for name in COMMANDS:
        assert f" {name} " in out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_summary_is_the_first_line_of_the_commands_help(name: str) -> None:
    group: Any = get_command(app)
    command = group.get_command(None, name)
    first = " ".join((command.help or "").strip().split("\n\n")[0].split())
    assert COMMANDS[name].summary == first
