"""Small valid images made in code (standard library only): PNG, GIF and baseline JPEG, one solid colour each.

Each has the width and height asked for, so a browser's ``naturalWidth`` tells them apart, and
distinct sizes or colours give distinct payloads.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["gif", "jpeg", "png"]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A truecolour PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def gif(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A GIF89a of one colour.

    LZW with 7-bit symbols: every code is 8 bits wide as long as the table never grows past 255
    entries, so a clear code is sent every 100 pixels and each code is one byte.
    """
    palette = bytes(rgb) + b"\x00\x00\x00" * 127
    clear, end = 128, 129
    codes = bytearray()
    for index in range(width * height):
        if index % 100 == 0:
            codes.append(clear)
        codes.append(0)
    codes.append(end)
    blocks = b"".join(bytes([len(codes[i:i + 255])]) + bytes(codes[i:i + 255]) for i in range(0, len(codes), 255))
    screen = struct.pack("<HHBBB", width, height, 0xF6, 0, 0)  # global colour table of 128 entries
    image = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return b"GIF89a" + screen + palette + image + bytes([7]) + blocks + b"\x00;"


def jpeg(width: int, height: int, grey: int) -> bytes:
    """A baseline greyscale JPEG of one shade: every 8x8 block is its DC coefficient alone."""
    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    dc = 8 * (grey - 128)  # the DC coefficient of a flat block, quantised by 1
    size = abs(dc).bit_length()
    quant = segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    # DC table: category 0 -> "00", category `size` -> "01"; AC table: end-of-block -> "0".
    dc_table = segment(0xC4, b"\x00" + bytes([0, 2] + [0] * 14) + bytes([0, size]))
    ac_table = segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    scan = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    bits = ""
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    for index in range(blocks):
        if index == 0 and size:
            value = dc if dc > 0 else dc + (1 << size) - 1
            bits += "01" + format(value, f"0{size}b")
        else:
            bits += "00"
        bits += "0"  # end of block
    bits += "1" * (-len(bits) % 8)
    data = bytearray()
    for i in range(0, len(bits), 8):
        byte = int(bits[i:i + 8], 2)
        data.append(byte)
        if byte == 0xFF:
            data.append(0)
    return b"\xff\xd8" + quant + frame + dc_table + ac_table + scan + bytes(data) + b"\xff\xd9"
