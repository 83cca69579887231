"""The scheduler's settings, read once into a typed object.

Built from the ``scheduler`` section of :class:`archiver.core.config.ArchiverConfig` (defaults,
archiver.toml, environment); options of the ``scheduler`` command override it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archiver.core.config import ArchiverConfig
from archiver.services.scheduling.cron import ScheduleError

__all__ = ["SchedulerConfig"]

@dataclass(frozen=True)
class SchedulerConfig:
    """How the scheduler runs schedules.

    ``command``: what a run executes, before the schedule's arguments (``archiver crawl``);
    ``poll``: seconds between looks for due schedules; ``max_runs``: runs at once;
    ``lease``: seconds a lease lasts unless renewed (renewed every third of it);
    ``stop_grace``: seconds a stopped run gets before it is killed;
    ``failure_flag``: flag a schedule whose last N runs failed.
    """

    command: tuple[str, ...] = ("archiver", "crawl")
    poll: float = 30.0
    max_runs: int = 4
    lease: float = 120.0
    stop_grace: float = 30.0
    failure_flag: int = 3

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SchedulerConfig:
        """:meth:`from_config` of the config :meth:`ArchiverConfig.load` resolves (``environ``: default os.environ)."""
        return cls.from_config(ArchiverConfig.load(environ=environ), **overrides)

    @classmethod
    def from_config(cls, config: ArchiverConfig, **overrides: Any) -> SchedulerConfig:
        """The ``scheduler`` section of ``config``, then ``overrides`` (options of the command; None: unset)."""
        values: dict[str, Any] = {key: value for key, value in config.scheduler.items() if value is not None}
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls(
                command=tuple(shlex.split(values["command"])) if isinstance(values.get("command"), str)
                else tuple(values.get("command", cls.command)),
                poll=float(values.get("poll", cls.poll)),
                max_runs=int(values.get("max_runs", cls.max_runs)),
                lease=float(values.get("lease", cls.lease)),
                stop_grace=float(values.get("stop_grace", cls.stop_grace)),
                failure_flag=int(values.get("failure_flag", cls.failure_flag)),
            )._checked()
        except ValueError as exc:
            raise ScheduleError(f"bad scheduler setting: {exc}") from None

    def _checked(self) -> SchedulerConfig:
        if not self.command:
            raise ValueError("ARCHIVER_SCHEDULER_COMMAND is empty")
        if self.poll <= 0 or self.lease <= 0 or self.stop_grace < 0 or self.max_runs < 1 or self.failure_flag < 1:
            raise ValueError("poll, lease and max runs must be positive, failure flag at least 1")
        return self

    def argv(self, crawl_args: list[str]) -> list[str]:
        """The child's command line. ``archiver`` runs as this Python's ``-m archiver`` (same environment)."""
        head = list(self.command)
        if head[0] == "archiver":
            head = [sys.executable, "-m", "archiver", *head[1:]]
        return [*head, *crawl_args]

    @property
    def subcommand(self) -> str | None:
        """The ``archiver`` subcommand a run executes (``crawl``), or None for another program."""
        return self.command[1] if self.command[0] == "archiver" and len(self.command) > 1 else None
