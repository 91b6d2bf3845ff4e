"""A published notice is mailed to the dealers it reaches, and to nobody else."""

from __future__ import annotations

from tests.mail.conftest import BASE_URL, deliver
from tests.notices.conftest import make_notice, world  # noqa: F401  (the notices' network)


def test_a_new_notice_is_mailed_to_its_audience_only(app, smtp, world):  # noqa: F811
    notice = make_notice(world.sup_north, audience="regions", region_ids=[world.north.id])

    deliver(app)

    assert sorted(r.rcpt_tos[0] for r in smtp.received) == ["n1@example.test", "n2@example.test"]
    mail = smtp.to("n1@example.test")[0]
    assert "Returns policy" in mail.subject
    assert f"{BASE_URL}/notices/{notice.id}" in mail.text
