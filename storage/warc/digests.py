"""Recompute a record's WARC-Block-Digest and WARC-Payload-Digest from its stored bytes."""

from __future__ import annotations

import base64
import hashlib

__all__ = ["digest_problems"]

_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "md5": hashlib.md5}


def _matches(declared: str, data: bytes) -> bool | None:
    """True/False when the declared ``algo:value`` is checkable, None for an unknown algorithm."""
    algo, _, value = declared.partition(":")
    factory = _ALGORITHMS.get(algo.strip().lower())
    if factory is None or not value:
        return None
    digest = factory(data).digest()
    value = value.strip()
    return value.upper() == base64.b32encode(digest).decode() or value.lower() == digest.hex()


def digest_problems(record_bytes: bytes) -> list[str]:
    """Problems with the digests of one uncompressed WARC record (headers + block), empty when all match."""
    head, sep, rest = record_bytes.partition(b"\r\n\r\n")
    if not sep:
        return ["record has no end of WARC headers"]
    headers: dict[str, str] = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.decode("utf-8", "replace").partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        length = int(headers.get("content-length", ""))
    except ValueError:
        return ["record has no valid Content-Length"]
    block = rest[:length]
    if len(block) < length:
        return [f"block is {len(block)} bytes, Content-Length says {length}"]
    problems = []
    declared = headers.get("warc-block-digest")
    if declared and _matches(declared, block) is False:
        problems.append("WARC-Block-Digest does not match the block")
    declared = headers.get("warc-payload-digest")
    record_type = headers.get("warc-type", "")
    if declared and record_type in ("response", "request") and "application/http" in headers.get("content-type", ""):
        _http_head, sep, payload = block.partition(b"\r\n\r\n")
        if sep and _matches(declared, payload) is False:
            problems.append("WARC-Payload-Digest does not match the payload")
    return problems
