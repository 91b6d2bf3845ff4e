"""Files for upload tests, made on the spot: photos with EXIF, PNGs, PDFs, impostors."""

from __future__ import annotations

import io
import re
import struct
import zlib

from PIL import Image

GPS_MARKER = "GPS-CANARY-31.2304N"


def jpeg(width: int = 64, height: int = 48, *, exif: bool = True) -> bytes:
    """A JPEG photo, by default with EXIF (camera, GPS-looking text) to be stripped."""
    image = Image.new("RGB", (width, height), (200, 80, 40))
    buffer = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "CanaryCam"  # Make
        data[0x010E] = GPS_MARKER  # ImageDescription
        image.save(buffer, "JPEG", exif=data.tobytes())
    else:
        image.save(buffer, "JPEG")
    return buffer.getvalue()


def with_exif(image_format: str) -> bytes:
    """A photo in `image_format` (JPEG, PNG, WEBP) carrying EXIF with a GPS-looking marker."""
    image = Image.new("RGB", (40, 30), (90, 160, 60))
    data = Image.Exif()
    data[0x010F] = "CanaryCam"
    data[0x010E] = GPS_MARKER
    buffer = io.BytesIO()
    image.save(buffer, image_format, exif=data.tobytes())
    return buffer.getvalue()


def png(width: int = 32, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims huge dimensions (a pixel bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def pdf(extra: bytes = b"") -> bytes:
    """A well-formed one-page-tree PDF (xref table included), with `extra` objects in it."""
    body = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n" + extra
    )
    offsets = {int(m.group(1)): m.start(1) for m in re.finditer(rb"(?m)^(\d+) 0 obj", body)}
    size = max(offsets) + 1
    rows = [b"0000000000 65535 f \n"] + [
        b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n"
        for n in range(1, size)
    ]
    return (
        body
        + b"xref\n0 %d\n" % size
        + b"".join(rows)
        + b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, len(body))
    )


HTML_IMPOSTOR = b"<html><script>alert(document.cookie)</script></html>"
