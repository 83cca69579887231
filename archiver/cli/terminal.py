"""What may be written to a terminal: text in its encoding, never raw bytes that would garble it (as curl does).

``archiver get`` refuses to write binary or foreign-charset bytes to a terminal and says how to
get them (``-o FILE``, or ``-o -`` for stdout anyway); ``show --format html`` decodes the page
from its own charset and writes it in the terminal's. Output to a file or a pipe is never touched.
"""

from __future__ import annotations

import sys
from typing import TextIO

from w3lib.encoding import html_to_unicode

__all__ = ["is_terminal", "refusal", "write_html"]

#: Starts of common binary payloads (gzip, zip, PNG, JPEG, GIF, PDF, WebP/RIFF, woff/woff2).
_MAGIC = (b"\x1f\x8b", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"RIFF", b"wOFF", b"wOF2")


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (the one check, for tests to replace)."""
    return stream.isatty()


def _encoding(stream: TextIO) -> str:
    return getattr(stream, "encoding", None) or "utf-8"


def refusal(data: bytes, stream: TextIO) -> str | None:
    """Why ``data`` must not go to the terminal ``stream`` (None when it may, or ``stream`` is no terminal)."""
    if not is_terminal(stream):
        return None
    sample = data[:8192]
    kind = next((magic for magic in _MAGIC if sample.startswith(magic)), None)
    if kind is not None or b"\x00" in sample:
        what = "gzip-compressed" if kind == b"\x1f\x8b" else "binary"
        return f"the payload is {what} and would garble the terminal"
    try:
        sample.decode(_encoding(stream))
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not merely a character cut at the sample's end
            return f"the payload is not {_encoding(stream)} text and would show garbled"
    return None


def write_html(body: bytes, content_type: str | None, stream: TextIO | None = None) -> None:
    """An HTML page to ``stream``: on a terminal, decoded from its charset into the terminal's; else bytes as are."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        stream.buffer.write(body)  # type: ignore[attr-defined]
        stream.flush()
        return
    _charset, text = html_to_unicode(content_type, body)
    stream.write(text.encode(_encoding(stream), errors="replace").decode(_encoding(stream)))
    stream.flush()
