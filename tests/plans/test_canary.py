"""S3: dealer X's marker text never shows in what dealer Y or region B's supervisor can reach.

Marker strings sit in every text field of dealer X's plan and report (and its dealer and
store names and a file name). Outsiders crawl every link their pages offer, plus X's own
object URLs, exports and the inbox; the marker must appear nowhere. Region A's supervisor
crawls too and must find it, which shows the sweep can fail.
"""

import html
import io
import re

import pytest

from portal.extensions import db
from portal.models import PlanStatus, ReportStatus
from portal.plans import services as plan_services
from portal.reports import services as report_services
from tests.conftest import client_for
from tests.support import uploads
from tests.support.factories import PASSWORD
from tests.support.plans import make_plan, make_report, this_month

CANARY = "CANARY7Q"
HREF = re.compile(r'href="(/[^"#]*)')
SKIP = ("/static/", "/bootstrap/", "/sign-out", "/inbox/read-all")


@pytest.fixture
def marked(app, world):
    world.dealer_x.name = f"Dealer {CANARY} Ltd"
    store = world.stores_x[0]
    store.name = f"{CANARY} Flagship"
    line = world.lines[0]
    for offset in (-1, 0):
        make_plan(world.dealer_x, this_month(offset), {(store, line): (5_000, 1)},
                  status=PlanStatus.APPROVED)  # fmt: skip
    plan = make_plan(world.dealer_x, this_month(1), {(store, line): (5_000, 1)},
                     note=f"note {CANARY}")  # fmt: skip
    plan_services.submit_plan(plan, actor=world.user_x)
    plan_services.return_plan(plan, actor=world.supervisor_a, comment=f"comment {CANARY}")
    report = make_report(store, this_month(-1), {line: (7_000, 1)}, issues=f"issue {CANARY}",
                         customer_feedback=f"feedback {CANARY}")  # fmt: skip
    report.competitor_activities.append(
        __import__("portal.models", fromlist=["CompetitorActivity"]).CompetitorActivity(
            position=0, competitor=f"Rival {CANARY}", kind="pricing", observation=CANARY
        )
    )
    db.session.flush()
    report_services.submit_report(report, actor=world.user_x)
    db.session.commit()
    uploader = client_for(app, world.user_x.email, PASSWORD)
    other = make_report(world.stores_x[1], this_month(-2))
    db.session.commit()
    data = {"version": other.version, f"revenue_{line.id}": "1", f"units_{line.id}": "1",
            "files": [(io.BytesIO(uploads.png()), f"{CANARY}.png")]}  # fmt: skip
    assert (
        uploader.post(
            f"/reports/{other.id}/edit", data=data, content_type="multipart/form-data"
        ).status_code
        == 302
    )
    make_plan(world.dealer_y, this_month(-1), {(world.stores_y[0], line): (1, 1)},
              status=PlanStatus.APPROVED)  # fmt: skip
    make_report(world.stores_y[0], this_month(-1), {line: (1, 1)}, status=ReportStatus.REVIEWED)
    db.session.commit()
    return {"plan": plan.id, "report": report.id, "draft_report": other.id}


def _sweep(client, start: list[str], limit: int = 120) -> dict[str, str]:
    """GET every same-site link reachable from `start`; returns {url: body}."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        url = html.unescape(queue.pop(0))
        if url in seen or url.startswith(SKIP):
            continue
        response = client.get(url)
        body = response.get_data().decode("utf-8", "replace")
        seen[url] = body + str(response.headers)  # file names travel in headers
        if response.mimetype == "text/html":
            queue += [link for link in HREF.findall(body) if html.unescape(link) not in seen]
    return seen


def _start(world, marked, dealer):
    period = this_month(-1)
    return [
        "/home",
        "/plans/",
        "/reports/",
        "/inbox/",
        f"/dealers/{dealer.id}",
        f"/plans/sources?dealer={dealer.id}&first={this_month(-12)}&last={this_month(1)}",
        f"/plans/{marked['plan']}",
        f"/reports/{marked['report']}",
        f"/reports/{marked['draft_report']}",
        f"/plans/sources?dealer={world.dealer_x.id}&first={period}",
        f"/plans/performance/dealers/{world.dealer_x.id}",
        f"/plans/performance?period={period}",
        f"/plans/performance.csv?period={period}",
        "/plans/review",
        "/reports/review",
    ]


@pytest.mark.parametrize("outsider", ["user_y", "supervisor_b"])
def test_outsiders_never_see_dealer_x_markers(app, world, marked, outsider):
    user = getattr(world, outsider)
    client = client_for(app, user.email, PASSWORD)
    pages = _sweep(client, _start(world, marked, world.dealer_y))
    assert len(pages) > 20
    leaks = [url for url, body in pages.items() if CANARY in body]
    assert leaks == []


def test_the_sweep_finds_the_markers_where_they_belong(app, world, marked):
    client = client_for(app, world.supervisor_a.email, PASSWORD)
    pages = _sweep(client, _start(world, marked, world.dealer_x), limit=120)
    hits = {url for url, body in pages.items() if CANARY in body}
    assert f"/plans/{marked['plan']}" in hits
    assert f"/reports/{marked['report']}" in hits
    assert any(url.startswith("/plans/performance.csv") for url in hits)
    assert "/inbox/" in hits
    assert any(url.startswith("/attachments/") for url in hits)
