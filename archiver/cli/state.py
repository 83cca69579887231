"""What the ``archiver`` group hands its command: the consoles, ``--home`` and the config once loaded.

Light on purpose (rich only): the group imports it before it knows which command runs.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

__all__ = ["CliState", "console", "err_console", "start_command", "state"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class CliState:
    """What the ``archiver`` group's options set for the command that runs (``--home``), and its config."""

    home: Path | None = None
    config: Any = None  #: the command's ArchiverConfig, once loaded (archiver.cli.common.current_config)


_STATE: ContextVar[CliState | None] = ContextVar("archiver_cli_state", default=None)


def start_command(home: Path | None) -> None:
    """Called by the ``archiver`` group before each command: what its options say for the command."""
    _STATE.set(CliState(home=home))


def state() -> CliState:
    """This command's state (a fresh one when no group started it, as in a direct call)."""
    current = _STATE.get()
    if current is None:
        current = CliState()
        _STATE.set(current)
    return current
