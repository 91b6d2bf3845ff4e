"""Check S15 for dealer files: hostile text in every user-written field the file shows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import pdf
from portal.dossiers import archive
from portal.extensions import db
from portal.models import Audience, DealerFile, Notice, NoticeKind, NoticeStatus, User
from portal.models.base import utcnow
from tests.audits.test_pdf import (  # noqa: F401  (`canary` is a fixture)
    CANARY_BODY,
    FILE_CANARY,
    canary,
    everything_in,
    hostile_payloads,
    image_count,
    text_of,
)

# Every user-written text the file shows, with its column's length.
FIELDS = {
    "dealer": {
        "name": 200,
        "contact_person": 120,
        "phone": 40,
        "email": 254,
        "address": 300,
        "city": 120,
    },
    "store": {"name": 200, "address": 300, "city": 120},
    "user": {"name": 120},
    "notice": {"title": 200},
}


def spread(lines: list[str], length: int, start: int) -> str:
    """As many hostile lines as fit in `length`, starting at a different one each time."""
    text = ""
    for offset in range(len(lines)):
        line = lines[(start + offset) % len(lines)]
        if len(text) + len(line) + 1 > length:
            continue
        text = f"{text}\n{line}" if text else line
    return text or lines[start % len(lines)][:length]


def test_hostile_fields_fetch_nothing_and_embed_nothing(app, world, canary):  # noqa: F811
    server, secret = canary
    lines = hostile_payloads(server, secret).split("\n")
    lines += [f"<a href='file://{secret}'>x</a>", f"http://127.0.0.1:{server.server.server_port}/x"]
    targets = {
        "dealer": world.dealer_x,
        "store": world.stores_x[0],
        "user": world.supervisor_a,
    }
    counter = 0
    for kind, fields in FIELDS.items():
        if kind == "notice":
            continue
        for name, length in fields.items():
            setattr(targets[kind], name, spread(lines, length, counter))
            counter += 1
    now = utcnow()
    for index in range(3):
        db.session.add(
            Notice(
                kind=NoticeKind.PROMOTION if index else NoticeKind.POLICY,
                status=NoticeStatus.PUBLISHED,
                title=spread(lines, 200, counter + index),
                body="\n".join(lines),
                effective_from=now.date() - timedelta(days=3),
                audience=Audience.NETWORK,
                current_version=1,
                acknowledge_due_on=now.date() - timedelta(days=1),
                published_at=now,
            )
        )
    db.session.commit()
    issuer = db.session.get(User, world.supervisor_a.id)
    with app.test_request_context():
        dealer_file, reused = archive.issue(world.dealer_x, issuer=issuer)
        db.session.commit()
        data = archive.load(dealer_file)
    assert not reused
    assert server.hits == []
    content = everything_in(data)
    assert CANARY_BODY not in content
    assert FILE_CANARY not in content
    text = text_of(data)
    assert "file://" in text  # shown as text, never followed
    assert "@import" in text
    assert text.count("Promotion ·") == 2  # the hostile notice titles are in the file too
    assert image_count(data) == 0
    assert db.session.scalar(select(DealerFile.id)) == dealer_file.id


def test_markup_that_reaches_the_renderer_fetches_nothing(app, world, canary, monkeypatch):  # noqa: F811
    """The fields above are escaped, so they never reach the fetcher: here the dealer file's
    HTML itself carries the hostile markup (as if a template let it through), and goes the
    real way (archive.issue, the limited child, its fetcher). Nothing may be fetched."""
    server, secret = canary
    payloads = hostile_payloads(server, secret)
    prepare_html = pdf.prepare_html

    def with_hostile_markup(template_name, context):
        html = prepare_html(template_name, context)
        return html.replace("</body>", f"<p>MARKUP-IN</p>{payloads}</body>")

    monkeypatch.setattr(pdf, "prepare_html", with_hostile_markup)
    issuer = db.session.get(User, world.supervisor_a.id)
    with app.test_request_context():
        dealer_file, _reused = archive.issue(world.dealer_x, issuer=issuer)
        db.session.commit()
        data = archive.load(dealer_file)

    assert server.hits == []
    content = everything_in(data)
    assert CANARY_BODY not in content
    assert FILE_CANARY not in content
    assert image_count(data) == 0
    assert "MARKUP-IN" in text_of(data)  # not vacuous: the renderer saw the markup
