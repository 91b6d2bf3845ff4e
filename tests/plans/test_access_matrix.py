"""S2/S6: who reaches which plan, report, attachment, export and upload; 404 like missing."""

import io

import pytest

from portal.extensions import db
from portal.models import Attachment, PlanStatus, ReportStatus
from tests.conftest import client_for
from tests.support.factories import PASSWORD
from tests.support.plans import make_plan, make_report, this_month

ACTORS = ("user_x", "user_y", "supervisor_a", "supervisor_b", "admin")


@pytest.fixture
def objects(world):
    """Dealer X's submitted plan and report (with a file); the ids the matrix visits."""
    store, line = world.stores_x[0], world.lines[0]
    plan = make_plan(
        world.dealer_x, this_month(1), {(store, line): (100, 1)}, status=PlanStatus.SUBMITTED
    )
    draft = make_plan(world.dealer_x, this_month(2), {(store, line): (100, 1)})
    report = make_report(store, this_month(-1), {line: (100, 1)}, status=ReportStatus.SUBMITTED)
    attachment = Attachment(
        storage_key="2026/01/" + "b" * 32 + ".png",
        owner_type="store_report",
        owner_id=report.id,
        dealer_id=world.dealer_x.id,
        filename="front.png",
        content_type="image/png",
        size=1,
        sha256="0" * 64,
    )
    db.session.add(attachment)
    db.session.commit()
    return {
        "plan": plan.id,
        "draft": draft.id,
        "report": report.id,
        "file": attachment.id,
        "dealer": world.dealer_x.id,
        "period": this_month(-1),
        "free": this_month(3),
    }


# (url, expected status for user_x, user_y, supervisor_a, supervisor_b, admin)
GETS = [
    ("/plans/{plan}", (200, 404, 200, 404, 200)),
    ("/plans/{draft}/edit", (200, 404, 403, 403, 403)),
    ("/reports/{report}", (200, 404, 200, 404, 200)),
    ("/reports/{report}/edit", (302, 404, 403, 403, 403)),
    ("/attachments/{file}", (200, 404, 200, 404, 200)),
    ("/plans/performance/dealers/{dealer}", (200, 404, 200, 404, 200)),
    ("/plans/sources?dealer={dealer}&first={period}", (200, 404, 200, 404, 200)),
    ("/plans/performance", (403, 403, 200, 200, 200)),
    ("/plans/performance.csv", (403, 403, 200, 200, 200)),
    ("/plans/review", (403, 403, 200, 200, 200)),
    ("/reports/review", (403, 403, 200, 200, 200)),
    ("/plans/new?period={free}", (200, 200, 403, 403, 403)),
    ("/reports/new", (200, 200, 403, 403, 403)),
    ("/reports/import", (200, 200, 200, 200, 200)),
]


class _Bytes:
    def load(self, key):
        return b"\x89PNG\r\n\x1a\n"

    def save(self, key, data):
        pass

    def delete(self, key):
        pass


@pytest.fixture
def clients(app, world, objects):
    app.extensions["storage"] = _Bytes()
    return {name: client_for(app, getattr(world, name).email, PASSWORD) for name in ACTORS}


@pytest.mark.parametrize(("url", "expected"), GETS, ids=[url for url, _ in GETS])
def test_get_access_matrix(clients, objects, url, expected):
    target = url.format(**objects)
    actual = {name: clients[name].get(target).status_code for name in ACTORS}
    assert actual == dict(zip(ACTORS, expected, strict=True))


POSTS = [
    ("/plans/{plan}/review", {"decision": "approve"}, "plan", PlanStatus.SUBMITTED),
    ("/plans/{plan}/reopen", {"reason": "x"}, "plan", PlanStatus.SUBMITTED),
    ("/plans/{plan}/submit", {}, "plan", PlanStatus.SUBMITTED),
    ("/reports/{report}/review", {"decision": "review"}, "report", ReportStatus.SUBMITTED),
    ("/reports/{report}/submit", {}, "report", ReportStatus.SUBMITTED),
]


@pytest.mark.parametrize("actor", ["user_y", "supervisor_b"])
@pytest.mark.parametrize(("url", "data", "kind", "status"), POSTS)
def test_outsiders_change_nothing(clients, objects, actor, url, data, kind, status):
    from portal.models import SalesPlan, StoreReport

    response = clients[actor].post(url.format(**objects), data={**data, "version": 1})
    assert response.status_code in (403, 404)
    model = SalesPlan if kind == "plan" else StoreReport
    db.session.expire_all()
    assert db.session.get(model, objects[kind]).status == status


def test_a_dealer_cannot_edit_another_dealers_draft_plan(clients, objects, world):
    from portal.models import SalesPlan

    store, line = world.stores_x[0], world.lines[0]
    response = clients["user_y"].post(
        f"/plans/{objects['draft']}/edit",
        data={f"revenue-{store.id}-{line.id}": "999", "version": 1},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(SalesPlan, objects["draft"]).lines[0].revenue_minor == 100


def test_a_dealer_cannot_remove_another_dealers_file(clients, objects):
    url = f"/reports/{objects['report']}/attachments/{objects['file']}/remove"
    assert clients["user_y"].post(url).status_code == 404
    assert db.session.get(Attachment, objects["file"]) is not None


def test_the_csv_upload_of_another_dealers_store_saves_nothing(clients, objects, world):
    from portal.models import StoreReport

    text = (
        "store_code,period,product_line,revenue,units\n"
        f"{world.stores_x[1].code},{objects['period']},{world.lines[0].code},5,5\n"
    )
    response = clients["user_y"].post(
        "/reports/import",
        data={"file": (io.BytesIO(text.encode()), "a.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.query(StoreReport).filter_by(store_id=world.stores_x[1].id).count() == 0
