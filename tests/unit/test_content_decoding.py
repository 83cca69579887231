"""Bounded content decoding (storage.warc.content): every coding stops at the limit, in pieces."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from storage.warc.content import DecodedTooLarge, UndecodableContent, codings_of, decode_content, decoded_size_over

HTML = b"<html><body>" + b"<p>tide tables</p>" * 5000 + b"</body></html>"


@pytest.mark.parametrize(("coding", "body"), [
    ("gzip", gzip.compress(HTML)), ("x-gzip", gzip.compress(HTML)), ("deflate", zlib.compress(HTML)),
    ("deflate", zlib.compress(HTML)[2:-4]),  # raw deflate, as some servers send
    ("br", brotli.compress(HTML)),
])
def test_each_coding_decodes(coding: str, body: bytes) -> None:
    assert decode_content([coding], body) == HTML


def test_gzip_like_scrapy_several_members_and_a_cut_body() -> None:
    assert decode_content(["gzip"], gzip.compress(b"one ") + gzip.compress(b"two")) == b"one two"
    cut = decode_content(["gzip"], gzip.compress(HTML)[:-40])
    assert HTML.startswith(cut) and len(cut) > 1000
    with pytest.raises(UndecodableContent, match="cannot decode the gzip body"):
        decode_content(["gzip"], b"<!doctype html>")


def test_layers_are_undone_last_applied_first() -> None:
    body = gzip.compress(brotli.compress(HTML))
    assert codings_of(["br, gzip"]) == ["br", "gzip"]
    assert decode_content(codings_of(["br, gzip"]), body) == HTML


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_the_limit_stops_decoding(coding: str) -> None:
    big = b" " * 5_000_000
    body = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}[coding](big)
    with pytest.raises(DecodedTooLarge, match="ARCHIVER_MAX_DECODED_BYTES"):
        decode_content([coding], body, 1_000_000)
    assert decode_content([coding], body, 5_000_000) == big
    assert decoded_size_over([coding], body, 4_999_999) and not decoded_size_over([coding], body, 5_000_000)
    assert decoded_size_over(["br", coding], {"gzip": gzip.compress, "deflate": zlib.compress,
                                              "br": brotli.compress}[coding](brotli.compress(big)), 1_000_000)


def test_a_coding_without_a_decoder_is_reported() -> None:
    with pytest.raises(UndecodableContent, match="no decoder for the content coding 'compress'"):
        decode_content(["compress"], b"x")
    assert not decoded_size_over(["compress"], b"x", 10)
