"""Decoding uploaded files: runs only in a limited child process (portal/sandbox.py).

The web worker never decodes an uploaded photo or parses an uploaded PDF itself: a pixel
bomb, a decoder bug or a PDF built to be slow costs the child's limits, not the worker.
Both tasks answer `{"refused": reason}` for a file that is not acceptable; the parent
(portal/storage.py) turns the reason into the form's message.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_EDGE_PIXELS = 20000  # a longer edge is refused whatever the pixel count

# PDF names that only ever serve scripts, actions or embedded content.
SCRIPT_KEYS = frozenset({"/JS", "/JavaScript"})
TRIGGER_KEYS = frozenset({"/AA"})  # additional actions: run on open, close, focus, print…
EMBEDDED_KEYS = frozenset({"/EmbeddedFiles", "/EF", "/RichMediaContent", "/XFA"})
EMBEDDED_TYPES = frozenset({"/EmbeddedFile", "/RichMedia", "/FileAttachment", "/3D"})
EMBEDDED_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound"})
SAFE_ACTIONS = frozenset({"/GoTo", "/URI"})  # in-document links and web links
ACTIONS = frozenset(
    {
        "/GoTo", "/GoToR", "/GoToE", "/GoToDp", "/Launch", "/Thread", "/URI", "/Sound",
        "/Movie", "/Hide", "/Named", "/SubmitForm", "/ResetForm", "/ImportData",
        "/JavaScript", "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView",
        "/RichMediaExecute",
    }
)  # fmt: skip
SAFE_URI = re.compile(rb"^(https?://|mailto:)", re.IGNORECASE)
RAW_NAMES = frozenset(
    {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia",
     "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/XFA", "/AA"}
)  # fmt: skip
NAME = re.compile(rb"/[^\s()<>\[\]{}/%]*")
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM_DATA = re.compile(rb"stream(?:\r\n|\n|\r).*?endstream", re.DOTALL)
MAX_OBJECTS = 200_000


def clean_image(header: dict[str, Any], blobs: Iterator[bytes]) -> tuple[dict[str, Any], list]:
    """Check an uploaded photo and re-encode its pixels only (the sandbox's "image" task).

    header: kind (the sniffed type), max_pixels (per file), budget (pixels this request
    may still decode), max_edge (longer edges are scaled down).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = next(blobs)
    max_pixels = int(header["max_pixels"])
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if IMAGE_TYPES.get(image.format or "") != header["kind"]:
                    return {"refused": "mismatch"}, []
                width, height = image.size
                pixels = width * height
                if pixels > max_pixels or max(width, height) > MAX_EDGE_PIXELS:
                    return {"refused": "pixels"}, []
                if pixels > int(header["budget"]):
                    return {"refused": "budget", "pixels": pixels}, []
                image.load()
                upright = ImageOps.exif_transpose(image)
                encoded, size = _encode(upright, image.format, int(header["max_edge"]))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return {"refused": "pixels"}, []
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return {"refused": "unreadable"}, []
    result = {"content_type": IMAGE_TYPES[image.format], "pixels": pixels}
    return {**result, "width": size[0], "height": size[1]}, [encoded]


def _encode(image: Any, image_format: str, longest: int) -> tuple[bytes, tuple[int, int]]:
    """Write pixels only: no EXIF, GPS, comments or other metadata survive."""
    if max(image.size) > longest:
        image.thumbnail((longest, longest))
    output = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(output, "JPEG", quality=85, optimize=True)
    elif image_format == "WEBP":
        image.save(output, "WEBP", quality=85)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(output, "PNG", optimize=True)
    return output.getvalue(), image.size


def check_pdf(_header: dict[str, Any], blobs: Iterator[bytes]) -> tuple[dict[str, Any], list]:
    """Refuse PDFs with JavaScript, actions beyond links, or embedded files (the sandbox's
    "pdf_check" task). Names are compared decoded (`/J#61vaScript` is `/JavaScript`), and
    every object is looked at, those inside object streams included."""
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # hostile files make a lot of noise
    data = next(blobs)
    if _raw_names_forbidden(STREAM_DATA.sub(b"", data)):  # binary data would give false hits
        return {"refused": "active"}, []
    try:
        reason = _inspect(data)
    except MemoryError:
        raise
    except Exception:  # pypdf raises many kinds of errors on broken files
        return {"refused": "damaged"}, []
    return ({"refused": reason} if reason else {}), []


def _raw_names_forbidden(data: bytes) -> bool:
    """Forbidden names anywhere in PDF syntax (#-escapes decoded), even in objects that no
    cross-reference lists."""
    for match in NAME.finditer(data):
        name = ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group())
        if name.decode("latin-1") in RAW_NAMES:
            return True
    return False


def _inspect(data: bytes) -> str | None:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return "encrypted"
    walker = _Walker()
    walker.visit(reader.trailer)
    numbers = {(n, g) for g, table in reader.xref.items() for n in table}
    numbers |= {(n, 0) for n in reader.xref_objStm}
    if len(numbers) > MAX_OBJECTS:
        return "damaged"
    for number, generation in sorted(numbers):
        walker.visit(IndirectObject(number, generation, reader))
    return walker.reason


class _Walker:
    """Visits every object once, remembering the first reason to refuse the document."""

    def __init__(self) -> None:
        self.seen: set[tuple[int, int]] = set()
        self.reason: str | None = None

    def visit(self, root: Any) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

        stack = [root]
        while stack and self.reason is None:
            obj = stack.pop()
            if isinstance(obj, IndirectObject):
                if (obj.idnum, obj.generation) in self.seen:
                    continue
                self.seen.add((obj.idnum, obj.generation))
                if len(self.seen) > MAX_OBJECTS:
                    self.reason = "damaged"
                    return
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject):
                self.reason = self._judge(obj)
                packed = isinstance(obj, StreamObject) and obj.get("/Type") == "/ObjStm"
                if packed and _raw_names_forbidden(obj.get_data()):  # even objects no xref lists
                    self.reason = "active"
                stack.extend(obj.values())
            elif isinstance(obj, ArrayObject):
                stack.extend(obj)

    @staticmethod
    def _judge(obj: Any) -> str | None:
        keys = set(obj.keys())
        if keys & SCRIPT_KEYS or keys & TRIGGER_KEYS or keys & EMBEDDED_KEYS:
            return "active"
        kind, subtype, action = _get(obj, "/Type"), _get(obj, "/Subtype"), _get(obj, "/S")
        if kind in EMBEDDED_TYPES or subtype in EMBEDDED_SUBTYPES:
            return "active"
        is_action = kind == "/Action" or action in ACTIONS
        if is_action and action not in SAFE_ACTIONS:
            return "active"
        if action == "/URI" and not SAFE_URI.match(_as_bytes(_get(obj, "/URI"))):
            return "active"
        opening = _get(obj, "/OpenAction")
        if hasattr(opening, "keys") and _get(opening, "/S") != "/GoTo":
            return "active"  # a destination array only opens a page; an action does more
        return None


def _get(obj: Any, key: str) -> Any:
    """A dictionary's value with indirect references resolved; names compare as str."""
    value = obj.get(key)
    value = value.get_object() if hasattr(value, "get_object") else value
    return value if isinstance(value, str | bytes) or hasattr(value, "keys") else None


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value or "").encode("utf-8", "replace")
