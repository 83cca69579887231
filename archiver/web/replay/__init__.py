"""Replay of archived pages in the app: archive URLs, the frame around a replayed page, its safety headers.

- :mod:`~archiver.web.replay.routes`: ``/replay/TIMESTAMP/URL`` (the frame page: the capture's URL
  and time above the archived page), ``/replay/TIMESTAMPmp_/URL`` (the archived resource, its
  references rewritten), ``/replay/TIMESTAMPid_/URL`` (the payload as archived) and
  ``/replay/{capture_id}`` (redirects to the archive URL of that capture);
- :mod:`~archiver.web.replay.policy`: which Content-Security-Policy each of them gets.
"""

from archiver.web.replay.routes import router

__all__ = ["router"]
