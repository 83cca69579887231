"""ARC records (the Internet Archive's format before WARC) seen as WARC records.

The reader gives an ARC record the WARC type and headers warcio's ARC-to-WARC conversion
would (``response`` for a fetch, ``warcinfo`` for the ``filedesc://`` record), but with a
record id derived from the record, so every read of the file gives the same id. Exports,
which must write WARC, turn an ARC record into that WARC record, its block byte for byte.
"""

from __future__ import annotations

import uuid

from storage.warc.http import Headers, header_value
from storage.warc.writer import payload_digest

__all__ = ["arc_as_warc", "arc_record_as_warc"]


def arc_as_warc(arc: object, rec_type: str, offset: int) -> tuple[str, Headers]:
    """The WARC type and headers of the ARC record whose warcio headers are ``arc`` (at ``offset``)."""
    # warcio splits the header line into the five fields of ARC version 1 from the right; a
    # version 2 line (URL IP date type result-code checksum location offset filename length)
    # then lands in "uri" whole, so split the line again from the left.
    line = " ".join(value for _, value in arc.headers)  # type: ignore[attr-defined]
    values = line.split(" ")
    uri, ip, date = (values + ["", "", ""])[:3]
    content_type = values[3] if len(values) > 4 else "text/plain"
    is_filedesc = rec_type == "arc_header"
    name = f"{line} @{offset}"
    kind = "warcinfo" if is_filedesc else "response"
    headers: Headers = [
        ("WARC-Type", kind),
        ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'arc:' + name)}>"),
    ]
    if not is_filedesc:
        headers.append(("WARC-Target-URI", uri))
    if len(date) >= 14 and date[:14].isdigit():
        headers.append(("WARC-Date", f"{date[:4]}-{date[4:6]}-{date[6:8]}T{date[8:10]}:{date[10:12]}:{date[12:14]}Z"))
    if ip and not is_filedesc:
        headers.append(("WARC-IP-Address", ip))
    headers.append(("Content-Type", content_type if is_filedesc else "application/http; msgtype=response"))
    return kind, headers


def arc_record_as_warc(warc_headers: Headers, raw: bytes) -> bytes:
    """A WARC/1.0 record (uncompressed) holding the block of the ARC record ``raw``, with ``warc_headers``.

    ``raw`` is the ARC record as stored (header line, block, newline); the block is copied byte
    for byte, and the WARC's length and digests are computed from it.
    """
    line, _, rest = raw.partition(b"\n")
    declared = line.split()[-1] if line.split() else b""
    block = rest[: int(declared)] if declared.isdigit() else rest.rstrip(b"\n")
    headers = [(name, value) for name, value in warc_headers if name.lower() != "content-length"]
    headers.append(("WARC-Block-Digest", payload_digest(block)))
    if header_value(warc_headers, "WARC-Type") == "response":
        head_end = block.find(b"\r\n\r\n")
        if head_end >= 0:
            headers.append(("WARC-Payload-Digest", payload_digest(block[head_end + 4:])))
    headers.append(("Content-Length", str(len(block))))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return b"WARC/1.0\r\n" + head.encode("utf-8") + b"\r\n" + block + b"\r\n\r\n"
