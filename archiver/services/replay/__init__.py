"""Replay of archived pages: archive URLs, the nearest capture of each, HTML and CSS rewritten to point at them.

- :mod:`~archiver.services.replay.archive_urls`: ``/replay/TIMESTAMP[MODIFIER]/URL``, built and parsed;
- :mod:`~archiver.services.replay.resources`: the capture of a URL nearest in time, read and rewritten;
- :mod:`~archiver.services.replay.html` (lxml), :mod:`~archiver.services.replay.css` (tinycss2) and
  :mod:`~archiver.services.replay.references` (resolving, ``srcset``): the rewriting itself.
"""

from archiver.services.replay.archive_urls import (
    FRAME,
    IDENTITY,
    PREFIX,
    REWRITTEN,
    ArchiveUrl,
    archive_url,
    parse_spec,
    timestamp14,
)
from archiver.services.replay.resources import Replayed, ReplayGap, find_capture, replay_resource

__all__ = [
    "FRAME",
    "IDENTITY",
    "PREFIX",
    "REWRITTEN",
    "ArchiveUrl",
    "ReplayGap",
    "Replayed",
    "archive_url",
    "find_capture",
    "parse_spec",
    "replay_resource",
    "timestamp14",
]
