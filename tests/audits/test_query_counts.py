"""Pages run a fixed number of queries however many items, audits or actions there are."""

from portal.extensions import db
from tests.conftest import client_for
from tests.support.audit_factories import all_pass, make_audit, make_standard
from tests.support.factories import PASSWORD, make_store
from tests.support.queries import counting


def big_items(count: int) -> list[dict]:
    return [
        {
            "code": f"{'AB'[n % 2]}-{n:02d}",
            "question": f"Question {n}",
            "weight": 1 + n % 5,
            "photo_required": n % 3 == 0,
        }
        for n in range(count)
    ]


def queries(client, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def scene(world, items: int, audits: int):
    version = make_standard(items=big_items(items), actor=world.admin)
    store = make_store(world.dealer)
    done = None
    for _ in range(audits):
        fails = {item.code: "fail" for item in version.items[:3]}
        done = make_audit(
            store,
            version.standard,
            world.supervisor,
            answers=all_pass(version, **fails),
            photos=[i.code for i in version.items[:3] if i.photo_required],
            complete=True,
        )
    current = make_audit(
        store,
        version.standard,
        world.supervisor,
        answers={item.code: "pass" for item in version.items[:2]},
    )
    db.session.commit()
    return store.id, done.id, current.id


def test_audit_pages_do_not_query_per_item_or_per_audit(app, world):
    small = scene(world, items=4, audits=2)
    large = scene(world, items=24, audits=3)
    client = client_for(app, world.supervisor.email, PASSWORD)
    for url in (
        "/audits/{done}",
        "/audits/{current}/conduct",
        "/audits/stores/{store}",
    ):
        counts = [
            queries(client, url.format(store=s, done=d, current=c)) for s, d, c in (small, large)
        ]
        assert counts[0] == counts[1], (url, counts)
    lists = [queries(client, "/audits/?status="), queries(client, "/actions/?state=all")]
    make_audit(
        world.other_store,
        world.standard,
        world.supervisor,
        answers=all_pass(world.version, **{"A-01": "fail", "A-02": "fail"}),
        complete=True,
    )
    db.session.commit()
    assert [queries(client, "/audits/?status="), queries(client, "/actions/?state=all")] == lists
