"""Action lists for both sides, the respond/verify/reopen pages, results and KPIs."""

import io
from datetime import timedelta
from decimal import Decimal
from functools import partial

from werkzeug.datastructures import FileStorage

from portal import clock
from portal.access import dealer_scope
from portal.audits import corrective
from portal.extensions import db
from portal.metrics import audits as metrics
from portal.models import ActionStatus
from tests.conftest import client_for
from tests.support.audit_factories import all_pass, make_audit, photo_upload
from tests.support.factories import PASSWORD


def completed(world, store=None, **fails):
    return make_audit(
        store or world.store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **fails),
        photos=("B-01",) if fails.get("B-01") == "fail" else (),
        complete=True,
    )


def test_open_and_overdue_lists_for_dealer_and_supervisor(app, world):
    audit = completed(world, **{"A-01": "fail", "A-02": "fail"})
    late, on_time = sorted(audit.actions, key=lambda a: not a.critical)
    late.due_on = clock.today() - timedelta(days=1)
    other = completed(world, store=world.other_store, **{"A-01": "fail"})
    db.session.commit()
    for who in (world.dealer_user, world.supervisor):
        client = client_for(app, who.email, PASSWORD)
        open_page = client.get("/actions/").get_data(as_text=True)
        assert f'href="/actions/{late.id}"' in open_page
        assert f'href="/actions/{on_time.id}"' in open_page
        overdue = client.get("/actions/?state=overdue").get_data(as_text=True)
        assert f'href="/actions/{late.id}"' in overdue
        assert f'href="/actions/{on_time.id}"' not in overdue
        assert "Overdue" in overdue
    dealer_page = client_for(app, world.dealer_user.email, PASSWORD).get("/actions/?state=all")
    assert f'href="/actions/{other.actions[0].id}"' not in dealer_page.get_data(as_text=True)


def test_the_loop_closes_through_the_pages(app, world):
    action = completed(world, **{"B-01": "fail"}).actions[0]
    db.session.commit()
    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    page = dealer.get(f"/actions/{action.id}").get_data(as_text=True)
    assert 'capture="environment"' in page
    assert 'data-testid="respond"' in page
    missing = dealer.post(
        f"/actions/{action.id}/respond", data={"comment": "Done", "token": "h" * 32}
    )
    assert missing.status_code == 422
    assert "This item needs a photo as evidence." in missing.get_data(as_text=True)
    token = "i" * 32
    data = {"comment": "New tags", "token": token, "photos": [photo_upload()]}
    assert dealer.post(f"/actions/{action.id}/respond", data=data).status_code == 302
    again = {"comment": "New tags", "token": token, "photos": [photo_upload()]}
    assert dealer.post(f"/actions/{action.id}/respond", data=again).status_code == 302
    assert len(action.steps) == 1  # the double submit made one response
    supervisor = client_for(app, world.supervisor.email, PASSWORD)
    refused = supervisor.post(f"/actions/{action.id}/reopen", data={"comment": ""})
    assert refused.status_code == 422
    reopened = supervisor.post(
        f"/actions/{action.id}/reopen", data={"comment": "One shelf still bare"}
    )
    assert reopened.status_code == 302
    assert action.status == ActionStatus.REOPENED
    assert (
        dealer.post(
            f"/actions/{action.id}/respond",
            data={"comment": "Shelf done", "token": "j" * 32, "photos": [photo_upload()]},
        ).status_code
        == 302
    )
    assert (
        supervisor.post(f"/actions/{action.id}/verify", data={"comment": "OK"}).status_code == 302
    )
    assert action.status == ActionStatus.VERIFIED
    page = dealer.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "One shelf still bare" in page
    assert "Verified and closed" in page
    assert 'data-testid="respond"' not in page


def test_store_history_shows_the_score_trend(app, world):
    completed(world, **{"A-01": "fail"})
    completed(world)
    db.session.commit()
    client = client_for(app, world.dealer_user.email, PASSWORD)
    page = client.get(f"/audits/stores/{world.store.id}").get_data(as_text=True)
    assert 'data-testid="score-trend"' in page
    assert "<svg" in page
    assert "75.0%" in page
    assert "100.0%" in page


def test_the_region_view_lists_the_most_failed_items(app, world):
    completed(world, **{"A-01": "fail"})
    completed(world, store=world.other_store, **{"A-01": "fail", "B-02": "fail"})
    completed(world, store=world.far_store, **{"B-02": "fail"})
    db.session.commit()
    client = client_for(app, world.supervisor.email, PASSWORD)
    page = client.get(f"/audits/findings?region={world.region.id}").get_data(as_text=True)
    table = page.split('data-testid="most-failed"')[1].split("</table>")[0]
    assert table.index("Entrance clean and lit") < table.index("Promotion display installed")
    assert ">2</td>" in table


def test_kpis_respect_scope_and_count_correctly(world):
    first = completed(world, **{"A-01": "fail"})
    completed(world, store=world.other_store, **{"A-01": "fail", "A-02": "fail"})
    completed(world, store=world.far_store)
    corrective.respond(first.actions[0], comment="ok", photos=[], actor=world.dealer_user)
    corrective.verify(first.actions[0], comment="", actor=world.supervisor)
    today = clock.today()
    supervisor = partial(dealer_scope, world.supervisor)
    summary = metrics.audit_summary(supervisor)
    assert summary.audits == 2
    assert summary.passed == 1
    assert summary.average == Decimal("50.0")  # 75.0 and 25.0
    failed = metrics.most_failed_items(supervisor)
    assert [(f.code, f.failed, f.answered) for f in failed] == [("A-01", 2, 2), ("A-02", 1, 2)]
    timeliness = metrics.action_timeliness(supervisor, today=today)
    assert (timeliness.total, timeliness.verified, timeliness.open) == (3, 1, 2)
    assert timeliness.responded_on_time == 1
    later = metrics.action_timeliness(supervisor, today=today + timedelta(days=30))
    assert later.overdue == 2
    assert later.on_time_rate == Decimal(100) / 3
    dealer = partial(dealer_scope, world.dealer_user)
    assert metrics.audit_summary(dealer).audits == 1
    assert [row.audits for row in metrics.audit_averages(supervisor)] == [1, 1]
    counts = metrics.open_action_counts(supervisor, today=today + timedelta(days=30))
    assert counts == {
        "open": 2,
        "overdue": 2,
        "responded": 0,
        "to_answer": 2,
        "to_answer_overdue": 2,
    }


def test_stores_without_a_recent_audit_are_listed_never_audited_first(app, world):
    completed(world)
    today = clock.today()
    scope = partial(dealer_scope, world.supervisor)
    stale = [store.code for store, _ in metrics.stores_not_audited(scope, days=90, today=today)]
    assert stale == [world.other_store.code]
    later = metrics.stores_not_audited(scope, days=90, today=today + timedelta(days=120))
    assert [store.code for store, _ in later] == [world.other_store.code, world.store.code]
    make_audit(world.other_store, world.standard, world.supervisor)  # planned: not stale
    assert metrics.stores_not_audited(scope, days=90, today=today) == []


def test_the_planner_shows_overdue_and_due_audits(app, world):
    overdue = make_audit(world.store, world.standard, world.supervisor)
    overdue.scheduled_for = clock.today() - timedelta(days=2)
    soon = make_audit(
        world.other_store,
        world.standard,
        world.supervisor,
        scheduled_for=clock.today() + timedelta(days=3),
    )
    db.session.commit()
    page = client_for(app, world.supervisor.email, PASSWORD).get("/audits/").get_data(as_text=True)
    overdue_box = page.split('data-testid="overdue-audits"')[1].split("</section>")[0]
    due_box = page.split('data-testid="due-audits"')[1].split("</section>")[0]
    assert f"/audits/{overdue.id}" in overdue_box
    assert f"/audits/{soon.id}" not in overdue_box
    assert f"/audits/{soon.id}" in due_box


def test_evidence_photos_decode_with_no_transaction_open(app, world, decoding_watched):
    """A POST's transaction holds SQLite's write lock: open while evidence decodes, every
    other writer would wait for it (S20). A refused photo still keeps nothing."""
    action = completed(world, **{"B-01": "fail"}).actions[0]
    db.session.commit()
    seen = decoding_watched
    seen.clear()  # the audit's own photos, checked while the test built it
    dealer = client_for(app, world.dealer_user.email, PASSWORD)
    not_a_photo = FileStorage(io.BytesIO(b"not a photo"), filename="x.png")
    bad = {"comment": "Tags", "token": "k" * 32, "photos": [not_a_photo]}
    refused = dealer.post(f"/actions/{action.id}/respond", data=bad)
    assert refused.status_code == 422
    assert action.steps == []
    data = {"comment": "Tags", "token": "l" * 32, "photos": [photo_upload(), photo_upload()]}
    assert dealer.post(f"/actions/{action.id}/respond", data=data).status_code == 302
    assert len(seen) == 2
    assert not any(seen)
    db.session.refresh(action)
    assert action.status == ActionStatus.RESPONDED
    assert len(corrective.evidence_of(action.steps)[action.steps[0].id]) == 2
