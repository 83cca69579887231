"""``python -m archiver`` and the ``archiver`` script: the command line of :mod:`archiver.cli`.

The CLI is imported when :func:`main` runs, not when this module is imported. Worker
processes that multiprocessing starts (the extraction pool) import the parent's main script
again before they run anything; with the script reduced to this module, that costs
milliseconds instead of the whole CLI (Scrapy, SQLAlchemy, scrapy-redis, ...) in every worker.
"""

from __future__ import annotations

from typing import Any


def main() -> Any:
    """Run the ``archiver`` command line."""
    from archiver.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    main()
