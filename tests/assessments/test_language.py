"""A frozen assessment reads in the reader's language, whoever saved it in which language."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Assessment, User
from tests.assessments.conftest import ALL_FOUR, last_quarter, rating_form
from tests.support.clients import signed_in_client

CHINESE_LABEL = "计划与报告按时提交"
ENGLISH_DETAIL = "plans and reports on time"


def save_draft_in_chinese(app, world) -> Assessment:
    supervisor = db.session.get(User, world.people["supervisor_a"].id)
    supervisor.locale = "zh_Hans"
    db.session.commit()
    period = last_quarter().label
    response = signed_in_client(app, supervisor).post(
        f"/assessments/dealers/{world.dealer_x.id}/new?period={period}",
        data=rating_form(ALL_FOUR, period=period, action="save"),
    )
    assert response.status_code == 302
    return db.session.scalars(select(Assessment)).one()


def metric_row(client, assessment: Assessment, key: str) -> str:
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    start = page.index(f'data-testid="metric-{key}"')
    return page[start : page.index("</tr>", start)]


def test_metrics_saved_in_chinese_read_in_english_to_an_english_reader(app, world):
    assessment = save_draft_in_chinese(app, world)
    timeliness = next(m for m in assessment.metrics if m.key == "timeliness")
    assert timeliness.label == CHINESE_LABEL  # stored as computed, for the record
    assert timeliness.facts["whole"] > 0

    admin = signed_in_client(app, world.people["admin"])
    row = metric_row(admin, assessment, "timeliness")
    assert "Plans and reports on time" in row
    assert f"0 of {timeliness.facts['whole']} {ENGLISH_DETAIL}" in row
    assert CHINESE_LABEL not in row

    chinese = signed_in_client(app, world.people["supervisor_a"])
    row = metric_row(chinese, assessment, "timeliness")
    assert CHINESE_LABEL in row
    assert ENGLISH_DETAIL not in row


def test_metrics_saved_before_their_facts_were_kept_show_the_stored_text(app, world):
    assessment = save_draft_in_chinese(app, world)
    timeliness = next(m for m in assessment.metrics if m.key == "timeliness")
    timeliness.facts = None
    timeliness.detail = "Stored sentence"
    db.session.commit()
    admin = signed_in_client(app, world.people["admin"])
    row = metric_row(admin, assessment, "timeliness")
    assert "Stored sentence" in row
    assert "Plans and reports on time" in row  # a known key's name is always translated
