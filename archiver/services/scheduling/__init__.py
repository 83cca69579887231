"""Scheduled crawls: cron times, the crawl a schedule runs, and the scheduler daemon.

- :mod:`archiver.services.scheduling.cron`: cron expressions and timezones, validated, next run times;
- :mod:`archiver.services.scheduling.crawlargs`: checking a schedule's ``archiver crawl`` arguments;
- :mod:`archiver.services.scheduling.child`: one run as a child process (time limit, stop, kill);
- :mod:`archiver.services.scheduling.daemon`: the scheduler (leases, due schedules, signals).

The catalogue side (schedule rows, leases, run history) is :mod:`storage.catalogue.schedules`.
"""

from archiver.services.scheduling.cron import CronSpec, ScheduleError

__all__ = ["CronSpec", "ScheduleError"]
