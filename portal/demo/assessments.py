"""Demo assessments: two past periods of final assessments and one draft, made by the
regions' supervisors through the real services (so figures, scores and grades are the
portal's own). Ratings are seeded, so runs are repeatable."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import update

from portal import clock
from portal.assessments import services
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.models import Assessment, Dealer, DealerStatus, Role, User

COMMENTS = {
    "market_development": [
        "Opened two new counters in the district.",
        "Local marketing is steady; no new outlets.",
        "Needs a plan for the new residential area.",
    ],
    "team_service": [
        "Staff well trained; good customer feedback.",
        "Turnover at the main store; training ongoing.",
        "Service is friendly but slow at weekends.",
    ],
    "cooperation": [
        "Answers quickly and joins every campaign.",
        "Reports sometimes late; reminded twice.",
        "Open to feedback.",
    ],
}
OVERALL = [
    "Good quarter overall; keep the focus on on-time reporting.",
    "Steady; agreed to improve promotion execution next quarter.",
    "Below expectations; follow-up visit planned.",
]


@dataclass
class DemoAssessments:
    final: list[Assessment] = field(default_factory=list)
    drafts: list[Assessment] = field(default_factory=list)


def seed_assessments(network: DemoNetwork) -> DemoAssessments:
    """Final assessments for the two periods before last, last period's for half (flushes)."""
    rng = random.Random(20261127)  # noqa: S311  (demo data, not security)
    config = services.settings(current_app.config)
    today = clock.today()
    last = services.default_cycle(today, config)
    demo = DemoAssessments()
    dealers = [d for d in network.dealers.values() if d.active and d.status == DealerStatus.ACTIVE]
    for index, dealer in enumerate(sorted(dealers, key=lambda d: d.code)):
        assessor = _supervisor_of(network, dealer)
        skill = rng.choice((2, 3, 3, 4, 4, 5))
        for cycle in (last.shift(-2), last.shift(-1), last):
            if cycle == last and index % 2:
                continue
            ratings = {
                criterion.key: services.RatingInput(
                    max(1, min(5, skill + rng.choice((-1, 0, 0, 1)))),
                    rng.choice(COMMENTS.get(criterion.key, [""])),
                )
                for criterion in config.criteria
            }
            assessment = services.start_assessment(
                dealer=dealer,
                cycle=cycle,
                ratings=ratings,
                comment=rng.choice(OVERALL),
                actor=assessor,
                config=config,
                today=today,
            )
            if cycle == last and index % 4 == 0:
                demo.drafts.append(assessment)
                continue
            services.finalise_assessment(assessment, actor=assessor, config=config, today=today)
            demo.final.append(assessment)
            _backdate(assessment, cycle.last_day + timedelta(days=8 + rng.randint(0, 10)), today)
    db.session.flush()
    return demo


def _supervisor_of(network: DemoNetwork, dealer: Dealer) -> User:
    for user in network.users.values():
        if user.role == Role.SUPERVISOR and dealer.region in user.regions:
            return user
    return network.users["admin@demo.example"]


def _backdate(assessment: Assessment, day, today) -> None:
    """A final assessment is frozen for the ORM; its demo dates are set in SQL."""
    when = datetime.combine(min(day, today), time(10), tzinfo=UTC)
    db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id)
        .values(created_at=when - timedelta(days=1), finalised_at=when)
        .execution_options(synchronize_session=False)
    )
