"""The demo network: a realistic, deterministic data set for trying and testing the portal.

Each area adds its part as a module here; `seed_demo` runs them in dependency order.
"""

from __future__ import annotations

from portal.demo.assessments import seed_assessments
from portal.demo.audits import seed_audits
from portal.demo.complaints import seed_complaints
from portal.demo.contracts import seed_contracts
from portal.demo.network import DEMO_PASSWORD, DemoNetwork, seed_network
from portal.demo.notices import seed_notices
from portal.demo.plans import seed_plans
from portal.demo.prospects import seed_prospects
from portal.demo.receivables import seed_receivables
from portal.demo.targets import seed_targets
from portal.extensions import db
from portal.metrics import upkeep

__all__ = ["DEMO_PASSWORD", "DemoNetwork", "seed_demo"]


def seed_demo() -> DemoNetwork:
    """Load the whole demo network into an empty database (flushes; the caller commits)."""
    demo = seed_network()
    seed_plans(demo)
    seed_audits(demo)
    seed_notices(demo)
    seed_complaints(demo)
    seed_targets(demo)
    seed_receivables(demo)
    seed_prospects(demo)
    seed_contracts(demo)
    # Last: an assessment's metrics read the complaints, targets and receivables above.
    seed_assessments(demo)
    # Every dealer's figures, whole: the seeds' flushes touched them all anyway, and rows
    # written on another day (a seed run under a moved clock) are redone here.
    db.session.flush()
    upkeep.rebuild_all()
    return demo
