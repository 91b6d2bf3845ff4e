"""Issuing, archiving, reusing and downloading dealer files."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select

from portal import clock
from portal.extensions import db
from portal.models import ActivityEntry, DealerFile
from tests.audits.test_pdf import text_of
from tests.conftest import client_for
from tests.dossiers.conftest import CANARY_Y
from tests.support.factories import PASSWORD
from tests.support.plans import this_month


def issue(client, dealer) -> DealerFile:
    response = client.post(f"/dealer-files/dealers/{dealer.id}/issue")
    assert response.status_code == 302
    assert f"/dealers/{dealer.id}" in response.headers["Location"]
    return db.session.scalars(
        select(DealerFile).where(DealerFile.dealer_id == dealer.id).order_by(DealerFile.id.desc())
    ).first()


def test_the_file_shows_the_dealers_figures_and_nothing_of_other_dealers(app, world, caplog):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        dealer_file = issue(supervisor, world.dealer_x)
    assert dealer_file is not None
    data = supervisor.get(f"/dealer-files/{dealer_file.id}/download").data
    text = text_of(data)
    for expected in (
        "北京恒泰商贸有限公司",
        "朝阳区建国路88号",
        "王伟",
        "国贸旗舰店",
        world.dealer_x.code,
        this_month(-1),
        "133,456",  # last month's target: 123,456.00 + 10,000.00
        "98,765",  # its actual
        "74.0",  # attainment (per cent)
        "Report timeliness",
        "Open corrective actions",
        "A-01",  # the failed item's open action
        dealer_file.document_id,
        world.supervisor_a.name,
        f"Page 1 of {dealer_file.pages}",
    ):
        assert expected in text, expected
    assert CANARY_Y not in text
    assert "555,000" not in text  # dealer Y's target
    assert dealer_file.pages >= 2
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]  # real CJK glyphs


def test_the_archived_file_downloads_exactly_as_issued(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    dealer_file = issue(supervisor, world.dealer_x)
    response = supervisor.get(f"/dealer-files/{dealer_file.id}/download")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(response.data).hexdigest() == dealer_file.sha256
    assert len(response.data) == dealer_file.size
    assert dealer_file.issued_by_id == world.supervisor_a.id
    actions = db.session.scalars(
        select(ActivityEntry.action).where(ActivityEntry.object_type == "dealer_file")
    ).all()
    assert sorted(actions) == ["dealer_file.download", "dealer_file.issue"]


def test_nothing_changed_reuses_the_archived_file_and_a_change_issues_a_new_one(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    first = issue(supervisor, world.dealer_x)
    again = issue(supervisor, world.dealer_x)
    assert again.id == first.id
    assert db.session.scalar(select(DealerFile.id).where(DealerFile.id > first.id)) is None
    world.dealer_x.phone = "+86 10 0000 0001"
    db.session.commit()
    changed = issue(supervisor, world.dealer_x)
    assert changed.id != first.id
    assert changed.fingerprint != first.fingerprint
    assert "+86 10 0000 0001" in text_of(
        supervisor.get(f"/dealer-files/{changed.id}/download").data
    )


def test_the_dealer_page_lists_issued_files_for_the_dealer_itself(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    dealer_file = issue(supervisor, world.dealer_x)
    page = supervisor.get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert "Issue dealer file" in page
    dealer_user = client_for(app, world.user_x.email, PASSWORD)
    page = dealer_user.get(f"/dealers/{world.dealer_x.id}").get_data(as_text=True)
    assert dealer_file.document_id in page
    assert "Issue dealer file" not in page
    response = dealer_user.get(f"/dealer-files/{dealer_file.id}/download")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == dealer_file.sha256


def test_only_the_dealer_and_its_supervisors_reach_its_files(app, world):
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    dealer_file = issue(supervisor, world.dealer_x)
    url = f"/dealer-files/{dealer_file.id}/download"
    assert client_for(app, world.user_y.email, PASSWORD).get(url).status_code == 404
    assert client_for(app, world.supervisor_b.email, PASSWORD).get(url).status_code == 404
    assert client_for(app, world.admin.email, PASSWORD).get(url).status_code == 200
    assert client_for(app, world.user_x.email, PASSWORD).get(url).status_code == 200
    assert supervisor.get("/dealer-files/999999/download").status_code == 404


def test_dealers_and_other_regions_supervisors_cannot_issue(app, world):
    issue_url = f"/dealer-files/dealers/{world.dealer_x.id}/issue"
    dealer_user = client_for(app, world.user_x.email, PASSWORD)
    assert dealer_user.post(issue_url).status_code == 403
    other = client_for(app, world.supervisor_b.email, PASSWORD)
    assert other.post(issue_url).status_code == 404
    assert db.session.scalar(select(DealerFile.id)) is None


def test_the_command_line_issues_a_file(app, world, tmp_path):
    output = tmp_path / "file.pdf"
    result = app.test_cli_runner().invoke(
        args=["dossier", world.dealer_x.code.lower(), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    dealer_file = db.session.scalars(select(DealerFile)).one()
    assert dealer_file.document_id in result.output
    assert hashlib.sha256(output.read_bytes()).hexdigest() == dealer_file.sha256
    assert "北京恒泰商贸有限公司" in text_of(output.read_bytes())
    missing = app.test_cli_runner().invoke(args=["dossier", "NOPE", "--output", str(output)])
    assert missing.exit_code != 0


def test_a_missing_glyph_would_be_caught(app, world, caplog):
    """The glyph check above can fail: a character no installed font has is reported."""
    world.dealer_x.name = "Dealer \U0001f9ff"
    db.session.commit()
    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        issue(supervisor, world.dealer_x)
    assert [r for r in caplog.records if "glyph" in r.getMessage()]


def test_the_file_shows_the_latest_final_assessment_and_a_new_one_issues_a_new_file(app, world):
    from portal.assessments import services as assessments
    from portal.assessments.cycles import containing

    supervisor = client_for(app, world.supervisor_a.email, PASSWORD)
    before = issue(supervisor, world.dealer_x)
    config = assessments.settings()
    today = clock.today()
    assessment = assessments.start_assessment(
        dealer=world.dealer_x,
        cycle=containing(today, config.months).shift(-1),
        ratings={c.key: assessments.RatingInput(4, f"Remark on {c.key}") for c in config.criteria},
        comment="Strong quarter, keep the window displays fresh",
        actor=world.supervisor_a,
        config=config,
        today=today,
    )
    assessments.finalise_assessment(
        assessment, actor=world.supervisor_a, config=config, today=today
    )
    db.session.commit()

    after = issue(supervisor, world.dealer_x)

    assert after.id != before.id  # the assessment is part of the file's data
    text = text_of(supervisor.get(f"/dealer-files/{after.id}/download").data)
    assert "Latest assessment" in text
    assert assessment.period in text
    assert "Strong quarter, keep the window displays fresh" in text
    assert f"Remark on {config.criteria[0].key}" in text
    assert "Share of score" in text
