"""``archiver scheduler``: the foreground daemon that runs due schedules."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from archiver.cli.common import current_config, fail, print_json
from archiver.cli.schedule import open_catalogue, scheduler_config
from archiver.services.scheduling.daemon import Scheduler
from archiver.services.watch.config import WatchConfig, WatchConfigError

__all__ = ["scheduler_command"]

log = logging.getLogger(__name__)


def scheduler_command(
    once: Annotated[bool, typer.Option("--once", help="Run the schedules due now, wait for them, exit.")] = False,
    poll: Annotated[float | None, typer.Option(
        "--poll", help="Seconds between looks for due schedules (default 30, ARCHIVER_SCHEDULER_POLL).",
        min=0.1, show_default=False)] = None,
    max_runs: Annotated[int | None, typer.Option(
        "--max-runs", help="Runs at once (default 4, ARCHIVER_SCHEDULER_MAX_RUNS).", min=1, show_default=False)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="At the end, one JSON object per run on stdout.")] = False,
) -> None:
    """Run due schedules, each as `archiver crawl ...` in its own process, until SIGTERM or Ctrl-C.

    Example: archiver scheduler --poll 60

    From cron, `archiver scheduler --once` runs what is due and exits. Several schedulers may
    share one catalogue (PostgreSQL across machines): a lease in the database lets only one
    of them run a schedule at a time. After downtime a schedule runs once, not once per
    missed slot. On SIGTERM or SIGINT no new run starts, running crawls get SIGINT (they
    close cleanly, marked interrupted) and are killed after ARCHIVER_SCHEDULER_STOP_GRACE
    seconds; a second signal kills them at once. Each run's output goes to
    $ARCHIVER_HOME/logs/schedules/NAME/. Exit status 0, or 1 with --once when a run did not finish.

    It also fetches due article revisits (ARCHIVER_REVISIT_POLICY; see `archiver revisits`), one
    `archiver crawl --urls` run per site (logs in $ARCHIVER_HOME/logs/revisits/), and delivers
    queued change webhooks (ARCHIVER_WEBHOOK_URL).
    """
    config = scheduler_config(poll=poll, max_runs=max_runs)
    try:
        watch = WatchConfig.from_config(current_config())
    except WatchConfigError as exc:
        raise fail(str(exc), code=2) from None
    _log_with_timestamps()
    home = current_config().home
    log_dir = home / "logs" / "schedules"
    with open_catalogue() as catalogue:
        scheduler = Scheduler(catalogue.db, config, log_dir=log_dir, revisit_dir=home / "logs" / "revisits",
                              revisit_batch=watch.batch, webhooks=watch.sender(catalogue.db))
        handlers = {sig: signal.signal(sig, lambda *_: scheduler.request_stop())
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            outcomes = scheduler.run(once=once)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
    for name, run_id, status in outcomes:
        if json_output:
            print_json({"schedule": name, "run": run_id, "status": status})
    if once and any(status != "finished" for _, _, status in outcomes):
        raise typer.Exit(1)


def _log_with_timestamps() -> None:
    """The scheduler's own log (runs started, outcomes) at INFO on stderr, with timestamps: it runs for days."""
    for name in ("archiver.services.scheduling", "archiver.services.watch"):
        _timestamped(logging.getLogger(name))


def _timestamped(logger: logging.Logger) -> None:
    if not any(getattr(handler, "_archiver_scheduler", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler._archiver_scheduler = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
