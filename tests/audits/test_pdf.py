"""The audit PDF and the deny-by-default renderer behind it (check S15)."""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from portal import pdf
from portal.audits import corrective, services
from portal.extensions import db
from tests.conftest import client_for
from tests.support.audit_factories import all_pass, make_audit, photo_bytes, photo_upload
from tests.support.factories import PASSWORD, make_store

CANARY_BODY = b"CANARY-BODY-5c1e9b"
FILE_CANARY = b"FILE-CANARY-a04d7e"


class Canary:
    """An HTTP server on 127.0.0.1 that counts every request and answers a marker."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                canary.hits.append(self.path)
                body = CANARY_BODY
                if self.path.endswith(".css"):
                    body = b"body { background: url(/bg.png) } /* " + CANARY_BODY + b" */"
                self.send_response(200)
                self.send_header("Content-Type", "text/css" if ".css" in self.path else "image/png")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[tuple[Canary, Path]]:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(FILE_CANARY)
    with Canary() as server:
        yield server, secret


def hostile_payloads(server: Canary, secret: Path) -> str:
    base, port = server.url, server.server.server_port
    nested_svg = (
        "&lt;svg xmlns=%22http://www.w3.org/2000/svg%22&gt;"
        f"&lt;image href=%22{base}/nested.png%22/&gt;&lt;/svg&gt;"
    )
    return "\n".join(
        [
            f'<img src="file://{secret}">',
            f'<img src="{base}/img.png">',
            f'<a rel="attachment" href="file://{secret}">file</a>',
            f'<link rel="attachment" href="{base}/attach.bin">',
            f'<link rel="stylesheet" href="{base}/style.css">',
            f"<style>@import url({base}/import.css);"
            f" body {{ background: url(file://{secret}) }}</style>",
            '<svg xmlns="http://www.w3.org/2000/svg">'
            f'<image href="{base}/svg.png" width="10" height="10"/>'
            f'<image href="file://{secret}" width="10" height="10"/></svg>',
            f'<img src="data:image/svg+xml,{nested_svg}">',
            f'<object data="{base}/object.png"></object><iframe src="file://{secret}"></iframe>',
            f'<img src="http://localhost:{port}/localhost.png">',
            '<img src="/etc/passwd"><img src="../../../../etc/passwd">',
        ]
    )


def _streams(obj, seen: set, out: list[bytes]) -> None:
    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, StreamObject):
        out.append(obj.get_data())
    if isinstance(obj, DictionaryObject):
        for value in obj.values():
            _streams(value, seen, out)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _streams(value, seen, out)


def everything_in(document: bytes) -> bytes:
    """The PDF's raw bytes, every stream decoded, and its text: wherever a leak could hide."""
    reader = PdfReader(io.BytesIO(document))
    assert not reader.attachments
    parts = [document, text_of(document).encode()]
    _streams(reader.trailer, set(), parts)
    assert len(parts) > 3  # the walk found the page content streams
    return b"\n".join(parts)


def text_of(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def image_count(document: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(document)).pages)


def test_the_audit_report_has_answers_score_photos_and_actions(app, world, caplog):
    store = make_store(world.dealer, name="国贸旗舰店")
    audit = make_audit(
        store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"B-01": "fail"}),
        photos=("B-01",),
        notes={"B-01": "价签缺失 three tags missing"},
    )
    services.complete(audit, summary="整体良好", actor=world.supervisor)
    corrective.respond(
        audit.actions[0], comment="已补齐价签", photos=[photo_upload()], actor=world.dealer_user
    )
    db.session.commit()
    client = client_for(app, world.dealer_user.email, PASSWORD)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        response = client.get(f"/audits/{audit.id}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = text_of(response.data)
    for expected in (
        "国贸旗舰店",
        "价签缺失",
        "整体良好",
        "已补齐价签",
        "Prices shown on every item",
        f"{audit.score}%",
        "Corrective actions",
    ):
        assert expected in text
    assert image_count(response.data) == 2  # the finding's photo and the evidence
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]  # real CJK glyphs


def test_hostile_user_text_fetches_nothing_and_embeds_nothing(app, world, canary):
    server, secret = canary
    hostile = hostile_payloads(server, secret)
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail"}),
        notes={"A-01": hostile},
    )
    services.complete(audit, summary=hostile, actor=world.supervisor)
    services.acknowledge(audit, comment=hostile, actor=world.dealer_user)
    corrective.respond(audit.actions[0], comment=hostile, photos=[], actor=world.dealer_user)
    db.session.commit()
    client = client_for(app, world.supervisor.email, PASSWORD)
    response = client.get(f"/audits/{audit.id}/report.pdf")
    assert response.status_code == 200
    assert server.hits == []
    content = everything_in(response.data)
    assert CANARY_BODY not in content
    assert FILE_CANARY not in content
    assert "file://" in text_of(response.data)  # shown as text, never followed
    assert image_count(response.data) == 0


def test_the_renderer_refuses_every_url_even_in_raw_html(canary):
    """Defence in depth: if a template ever let markup through, the fetcher still says no."""
    server, secret = canary
    payloads = hostile_payloads(server, secret)
    html = f"<html><body><p>Raw</p>{payloads}<img src='attachment:7'></body></html>"
    document = pdf.render_html(html, attachments={7: ("image/png", photo_bytes())})
    assert server.hits == []
    content = everything_in(document)
    assert CANARY_BODY not in content
    assert FILE_CANARY not in content
    assert image_count(document) == 1  # only the authorised attachment


def test_only_raster_photos_can_be_given_to_the_renderer():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'
    with pytest.raises(ValueError, match="raster"):
        pdf.render_html("<p>x</p>", attachments={1: ("image/svg+xml", svg)})


def test_templates_outside_the_pdf_folder_are_refused(app):
    with app.test_request_context(), pytest.raises(ValueError, match="templates/pdf"):
        pdf.render_pdf("base.html", {}, attachments={})


def test_a_render_that_runs_too_long_is_stopped():
    html = "<table>" + "<tr><td>cell</td><td>cell</td></tr>" * 40000 + "</table>"
    with pytest.raises(pdf.PdfTimeout):
        pdf.render_html(html, attachments={}, limits=pdf.Limits(timeout_seconds=1))


def test_a_render_that_needs_too_much_memory_fails_cleanly():
    with pytest.raises(pdf.PdfError) as error:
        pdf.render_html("<p>small</p>", attachments={}, limits=pdf.Limits(memory_mb=64))
    assert not isinstance(error.value, pdf.PdfTimeout)


def test_missing_glyphs_are_reported_on_the_weasyprint_logger(caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf.render_html(
            "<p style='font-family: WenQuanYi Micro Hei'>\U0001f9ff</p>", attachments={}
        )
    assert any("glyph" in record.getMessage() for record in caplog.records)


def test_dealers_cannot_print_another_dealers_audit(app, world):
    audit = make_audit(
        world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version),
        complete=True,
    )
    db.session.commit()
    client = client_for(app, world.other_dealer_user.email, PASSWORD)
    assert client.get(f"/audits/{audit.id}/report.pdf").status_code == 404
