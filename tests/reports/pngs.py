"""Checks that a PNG is a real, phone-sized image: signature, IHDR dimensions, a sane byte size."""

from __future__ import annotations

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_readable_png(data: bytes) -> None:
    width, height = png_size(data)
    assert (width, height) == (1200, 900)
    # A blank canvas compresses to a few kB; a chart with lines, text and legend is tens of kB, and
    # anything near Telegram's 10 MB photo limit would be a rendering accident.
    assert 20_000 < len(data) < 1_000_000
    assert data.endswith(b"IEND\xaeB`\x82")
