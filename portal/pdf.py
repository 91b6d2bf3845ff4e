"""PDF documents: the only way into WeasyPrint, deny-by-default (check S15).

`render_pdf("pdf/x.html", context, attachments={id: (content_type, bytes)})` renders a
trusted Jinja template from templates/pdf/ (user text autoescaped) and turns it into a
PDF in a limited child process (portal/sandbox.py):

- The URL fetcher serves only `attachment:<id>` URLs from the given dict: photos the
  caller already authorised for this document. `file:`, `http(s):`, `data:` and anything
  else are refused, whatever the HTML asks for (`<img>`, `<link>`, `@import`,
  `<a rel=attachment>`, SVG `<image>`, `@font-face`).
- Photos are decoded and re-encoded by Pillow (scaled down) before they reach WeasyPrint,
  so only plain raster pixels are embedded. That happens in the child too, inside its
  limits: the calling process never decodes a photo. An attachment's bytes may be given
  as a callable (e.g. `functools.partial(storage.load, attachment)`): it is called when
  the photo's turn comes, so the caller holds one photo at a time.
- Each render runs in a process of its own with RLIMIT_AS (memory) and RLIMIT_CPU set,
  and is killed after a wall-clock timeout: a hostile or huge document cannot take the
  worker down with it. WeasyPrint's warnings (e.g. a missing glyph) are passed back and
  logged on the "weasyprint" logger in the calling process.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template

from portal import sandbox

ATTACHMENT_SCHEME = "attachment:"
RASTER_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
logger = logging.getLogger("weasyprint")

PhotoBytes = bytes | Callable[[], bytes]


class PdfError(RuntimeError):
    """The document could not be rendered (the message is for logs, not for users)."""


class PdfTimeout(PdfError):
    """The render took longer than allowed and was stopped."""


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float = 25
    cpu_seconds: int = 20
    memory_mb: int = 1536
    image_max_edge: int = 800

    @classmethod
    def from_config(cls, *, background: bool = False) -> Limits:
        """The configured limits: for a render a web request waits on (below the web
        worker's timeout), or with `background=True` for one a job runs."""
        config = current_app.config
        prefix = "PDF_BACKGROUND_" if background else "PDF_"
        return cls(
            timeout_seconds=float(config[f"{prefix}TIMEOUT_SECONDS"]),
            cpu_seconds=int(config[f"{prefix}CPU_SECONDS"]),
            memory_mb=int(config["PDF_MEMORY_MB"]),
            image_max_edge=int(config["PDF_IMAGE_MAX_EDGE"]),
        )


def attachment_url(attachment_id: int | str) -> str:
    """The URL a PDF template uses for an authorised attachment's image."""
    return f"{ATTACHMENT_SCHEME}{attachment_id}"


def render_pdf(
    template_name: str,
    context: Mapping[str, Any],
    *,
    attachments: Mapping[int, tuple[str, PhotoBytes]] | None = None,
    limits: Limits | None = None,
) -> bytes:
    """Render templates/pdf/<name> with `context`; images only from `attachments`."""
    html = prepare_html(template_name, context)
    return render_html(html, attachments=attachments or {}, limits=limits or Limits.from_config())


def prepare_html(template_name: str, context: Mapping[str, Any]) -> str:
    """The HTML of a trusted template in templates/pdf/ (user text autoescaped).

    Split from `render_pdf` so a caller can build documents in the request's thread and
    render them elsewhere (e.g. several at once), still through `render_html` below.
    """
    if not template_name.startswith("pdf/") or ".." in template_name:
        raise ValueError("PDF templates live in templates/pdf/")
    return render_template(template_name, attachment_url=attachment_url, **context)


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int
    peak_kb: int = 0  # the rendering process's peak resident memory
    cpu_seconds: float = 0.0  # CPU time the rendering process used


def render_html(
    html: str,
    *,
    attachments: Mapping[int | str, tuple[str, PhotoBytes]],
    limits: Limits | None = None,
) -> bytes:
    """Turn HTML into a PDF in a limited child process (see the module docstring)."""
    return render_document(html, attachments=attachments, limits=limits).data


def render_document(
    html: str,
    *,
    attachments: Mapping[int | str, tuple[str, PhotoBytes]],
    limits: Limits | None = None,
) -> Rendered:
    """Like `render_html`, also telling how many pages the document has."""
    limits = limits or Limits()
    photos = []
    for key, (content_type, _data) in attachments.items():
        if content_type not in RASTER_TYPES:
            raise ValueError(f"only raster photos can go into a PDF, not {content_type}")
        photos.append(attachment_url(key))
    header = {"html": html, "photos": photos, "image_max_edge": limits.image_max_edge}
    child_limits = sandbox.ChildLimits(limits.timeout_seconds, limits.cpu_seconds, limits.memory_mb)
    try:
        outcome = sandbox.run(
            "pdf",
            header,
            [data for _type, data in attachments.values()],
            limits=child_limits,
            log=logger,
        )
    except sandbox.ChildTimeout as error:
        raise PdfTimeout(f"PDF render stopped: {error}") from None
    except sandbox.ChildError as error:
        raise PdfError(f"PDF renderer failed: {error}") from None
    return Rendered(
        outcome.blobs[0],
        int(outcome.result.get("pages", 0)),
        outcome.peak_kb,
        outcome.cpu_seconds,
    )


# The child's side (runs only in a limited child process, see portal/sandbox.py).


def make_fetcher(resources: Mapping[str, tuple[str, bytes]]):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DenyByDefaultFetcher(URLFetcher):
        """Serves the document's own attachments; refuses every other URL."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            resource = resources.get(url)
            if resource is None:
                raise ValueError(f"URL refused by the PDF renderer: {url[:100]}")
            kind, data = resource
            return URLFetcherResponse(url, data, {"Content-Type": kind})

    return DenyByDefaultFetcher(timeout=1, allowed_protocols=(), allow_redirects=False)


def prepare_photo(data: bytes, max_edge: int) -> tuple[str, bytes]:
    """Decode and re-encode a photo (scaled down): only raster pixels reach WeasyPrint."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        if image.format not in ("JPEG", "PNG", "WEBP"):
            raise ValueError("not a raster photo")
        image.draft(image.mode, (max_edge, max_edge))  # JPEG: decode at a smaller scale at once
        image = ImageOps.exif_transpose(image)
        image.thumbnail((max_edge, max_edge))
        output = io.BytesIO()
        if image.mode in ("RGBA", "LA", "P"):
            image.save(output, "PNG", optimize=True)
            return "image/png", output.getvalue()
        image.convert("RGB").save(output, "JPEG", quality=80, optimize=True)
        return "image/jpeg", output.getvalue()


def render_task(header: dict[str, Any], blobs: Any) -> tuple[dict[str, Any], list[bytes]]:
    """Prepare the photos, then render the document (the sandbox's "pdf" task)."""
    import weasyprint

    resources: dict[str, tuple[str, bytes]] = {}
    for url, data in zip(header["photos"], blobs, strict=True):
        try:
            resources[url] = prepare_photo(data, int(header["image_max_edge"]))
        except MemoryError:
            raise
        except Exception as error:  # an unreadable photo is left out, the rest still renders
            logging.getLogger("weasyprint").warning("photo %s left out: %s", url, error)
    document = weasyprint.HTML(
        string=header["html"], base_url=None, url_fetcher=make_fetcher(resources)
    )
    rendered = document.render()
    return {"pages": len(rendered.pages)}, [rendered.write_pdf()]
