"""The exit codes of every ``archiver`` command, in one table (documented in docs/exit-codes.md).

``archiver.cli`` turns errors into these codes; commands raise ``typer.Exit`` with one of the
names below, never with a bare number.
"""

from __future__ import annotations

__all__ = ["BAD_INPUT", "EXIT_CODES", "FAILURE", "INTERRUPTED", "OK", "PARTIAL"]

#: Everything asked for was done.
OK = 0
#: The command failed: nothing (or not what was asked) was done; a URL could not be fetched.
FAILURE = 1
#: Bad input: an unknown option, a value that cannot be used, a bad URL or query. Nothing was written.
BAD_INPUT = 2
#: Part of the work was done: a crawl archived pages but some fetches failed.
PARTIAL = 3
#: Interrupted by Ctrl-C (SIGINT), as shells report it (128 + 2).
INTERRUPTED = 130

#: code -> meaning, in the order the documentation lists them.
EXIT_CODES: dict[int, str] = {
    OK: "success: everything asked for was done",
    FAILURE: "failure: the command could not do its work (a URL not fetched, a crawl that archived nothing)",
    BAD_INPUT: "bad input: an unknown option or a value that cannot be used; nothing was written",
    PARTIAL: "partial failure: a crawl archived pages, but some fetches failed",
    INTERRUPTED: "interrupted (Ctrl-C)",
}
