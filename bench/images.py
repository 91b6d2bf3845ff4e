"""Images the benchmarks upload: PNGs that compress well but decode to many pixels, and
ordinary camera-sized JPEG photos."""

from __future__ import annotations

import io

from PIL import Image
from werkzeug.datastructures import FileStorage


def flat_png(edge: int) -> bytes:
    """An edge x edge PNG of one colour: a few hundred KB that decode to edge² pixels."""
    buffer = io.BytesIO()
    Image.new("RGB", (edge, edge), (120, 130, 140)).save(buffer, "PNG")
    return buffer.getvalue()


def photo(index: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A JPEG photo, a little different for each index (so no two are the same file)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((index * 37 % 255, 90, 160), (0, 0, size[0] // 4, size[1] // 4))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def photo_upload(index: int) -> FileStorage:
    """`photo(index)` as a form upload, for the services that take one."""
    return FileStorage(
        stream=io.BytesIO(photo(index)), filename=f"p{index}.jpg", content_type="image/jpeg"
    )
