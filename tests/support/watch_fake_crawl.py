"""A stand-in for ``archiver crawl --urls FILE ...`` in revisit tests: logs the URLs it was given, exits 0.

Each start appends one JSON line (``argv`` after the program, ``urls`` read from ``--urls``) to
``$WATCH_FAKE_LOG``. Exits with ``$WATCH_FAKE_EXIT`` (default 0).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main() -> None:
    """Log what a revisit run asked for."""
    args = sys.argv[1:]
    urls = Path(args[args.index("--urls") + 1]).read_text(encoding="utf-8").split()
    with open(os.environ["WATCH_FAKE_LOG"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"argv": args, "urls": urls}) + "\n")
    sys.exit(int(os.environ.get("WATCH_FAKE_EXIT", "0")))


if __name__ == "__main__":
    main()
