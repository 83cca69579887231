"""``archiver serve``: a web UI (server-rendered pages) and a JSON API over the catalogue.

- :mod:`archiver.web.app`: :func:`create_app`, the FastAPI application factory;
- :mod:`archiver.web.config`: :class:`WebConfig`, read from the environment;
- :mod:`archiver.web.pages`: HTML pages (search, article, history, diff, runs, schedules, archive form);
- :mod:`archiver.web.api`: the JSON API under ``/api/`` (OpenAPI docs at ``/api/docs``);
- :mod:`archiver.web.replay`: replay of archived pages at ``/replay/TIMESTAMP/URL`` (and ``/replay/{capture_id}``),
  rewritten to archive URLs, sandboxed;
- :mod:`archiver.web.security`: response headers, CSRF tokens, the API token;
- :mod:`archiver.web.jobs`: archive-on-demand in a subprocess (Scrapy's reactor runs once per process);
- :mod:`archiver.web.records`: the JSON shapes, shared with the CLI's ``--json`` output.
"""

from archiver.web.app import create_app
from archiver.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
