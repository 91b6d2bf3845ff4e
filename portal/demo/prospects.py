"""Demo prospects: a published screening standard (capital, credit, experience in the category,
team, premises, local reputation) and prospects at every stage of the pipeline, most of them
in blank markets (cities with no store yet), one lost after a failed screening.

Every step goes through the prospects' own services, so the history is the real one. None is
signed: the demo network keeps its dealers (signing one is the browser journey's job).
"""

from __future__ import annotations

from datetime import date

from portal import clock
from portal.demo.network import DemoNetwork
from portal.extensions import db
from portal.models import (
    Prospect,
    ProspectAction,
    ProspectStatus,
    Region,
    StandardPurpose,
    StandardVersion,
    StoreFormat,
    StoreStatus,
    User,
)
from portal.prospects import screening, services
from portal.standards import services as standards

SCREENING_CODE = "DSC"
# (section, [(code, question, guidance, weight, critical)])
CRITERIA = [
    (
        "Business",
        [
            ("CAP", "Capital: funds for the first year's stock and fit-out",
             "Bank statements or a funding letter covering at least the proposed stores.", 3, True),
            ("CRD", "Credit: a clean record, no overdue debts",
             "A credit report not older than three months.", 3, True),
        ],
    ),
    (
        "Experience and team",
        [
            ("EXP", "Experience in sports retail (the category)",
             "Years trading sports goods, brands carried, turnover.", 2, False),
            ("TEAM", "A store manager and a trained sales team",
             "Names and experience of the manager and the first hires.", 2, False),
        ],
    ),
    (
        "Market",
        [
            ("PRM", "Premises: a site in a main shopping street or mall",
             "Lease or letter of intent, floor plan, footfall of the site.", 2, False),
            ("REP", "Local reputation with landlords, suppliers and customers",
             "References from two landlords or suppliers.", 1, False),
        ],
    ),
]  # fmt: skip

# region, name, kind, contact, phone, city, city alias, stage, source
PROSPECTS = [
    ("NORTH", "Dalian Seaside Sports", "dealer", "Sun Li", "+86 411 8230 1100", "Dalian", "大连",
     ProspectStatus.LEAD, "Trade fair"),
    ("NORTH", "青岛海港体育用品", "franchisee", "孙强", "+86 532 8571 2200", "青岛", "Qingdao",
     ProspectStatus.CONTACTED, "Phone enquiry"),
    ("NORTH", "Changchun Northern Trail", "franchisee", "Gao Yan", "+86 431 8890 3300",
     "Changchun", "长春", ProspectStatus.SCREENING, "Referral by N04"),
    ("EAST", "Ningbo Lakeside Trading", "dealer", "Xu Ming", "+86 574 8734 4400", "Ningbo", "宁波",
     ProspectStatus.SITE_VISIT, "Website form"),
    ("EAST", "合肥新动力商贸有限公司", "franchisee", "钱芳", "+86 551 6288 5500", "合肥", "Hefei",
     ProspectStatus.PROPOSAL, "Trade fair"),
    ("SOUTH", "Nanning Green City Sports", "dealer", "Huang Bo", "+86 771 5566 6600", "Nanning",
     "南宁", ProspectStatus.APPROVED, "Referral by S02"),
    ("SOUTH", "Guiyang Mountain Gear", "distributor", "Luo Jun", "+86 851 8577 7700", "Guiyang",
     "贵阳", ProspectStatus.LOST, "Phone enquiry"),
    ("EAST", "Shanghai Bund Runners", "dealer", "Ma Lin", "+86 21 6330 8800", "上海", "Shanghai",
     ProspectStatus.CONTACTED, "Walk-in"),
]  # fmt: skip
PASSING = {"CAP": "pass", "CRD": "pass", "EXP": "pass", "TEAM": "pass", "PRM": "pass",
           "REP": "na"}  # fmt: skip
FAILING = {"CAP": "fail", "CRD": "pass", "EXP": "pass", "TEAM": "fail", "PRM": "pass",
           "REP": "pass"}  # fmt: skip


def screening_standard(admin: User) -> StandardVersion:
    """The dealer screening checklist, published (used by the demo and the tests)."""
    version = standards.create_standard(
        code=SCREENING_CODE,
        name="Dealer screening",
        actor=admin,
        purpose=StandardPurpose.SCREENING,
    )
    for title, items in CRITERIA:
        section = standards.add_section(version, title=title, actor=admin)
        for code, question, guidance, weight, critical in items:
            standards.add_item(
                section,
                {"code": code, "question": question, "guidance": guidance, "weight": weight,
                 "critical": critical, "na_allowed": not critical, "photo_required": False},
                actor=admin,
            )  # fmt: skip
    standards.publish(version, notes="First edition.", actor=admin)
    db.session.flush()
    return version


def answer_all(prospect: Prospect, results: dict[str, str], actor: User) -> None:
    values = {
        answer.item_id: (results[answer.item.code], f"Checked: {answer.item.code}.")
        for answer in prospect.answers
    }
    screening.save_answers(prospect, values, actor=actor)


def proposal_for(prospect: Prospect, code: str, lines: list[int], year: int) -> services.Proposal:
    return services.Proposal(
        dealer_code=code,
        contract_start=date(year, 1, 1),
        contract_end=date(year + 5, 1, 1),
        contract_terms="Five years; entry fee waived; renewal by mutual agreement.",
        note="",
        stores=[
            services.PlannedStore(f"{prospect.city} Central", StoreFormat.FLAGSHIP,
                                  StoreStatus.OPEN, prospect.city, "1 Central Avenue"),
            services.PlannedStore(f"{prospect.city} Mall Counter", StoreFormat.COUNTER,
                                  StoreStatus.PLANNED, prospect.city, "City Mall, level 2"),
        ],
        targets={line: (1_200_000_00 // (n + 1), 3_000 // (n + 1)) for n, line in enumerate(lines)},
    )  # fmt: skip


def take_to(
    prospect: Prospect,
    stage: ProspectStatus,
    *,
    supervisor: User,
    admin: User,
    lines: list[int],
    code: str,
    year: int,
) -> None:
    """Drive a new lead through the services up to `stage` (LOST: fails its screening)."""
    order = [ProspectStatus.CONTACTED, ProspectStatus.SCREENING, ProspectStatus.SITE_VISIT,
             ProspectStatus.PROPOSAL, ProspectStatus.APPROVED]  # fmt: skip
    last = ProspectStatus.SCREENING if stage == ProspectStatus.LOST else stage
    if last == ProspectStatus.LEAD:
        return
    for reached in order[: order.index(last) + 1]:
        if reached == ProspectStatus.CONTACTED:
            services.contact(prospect, actor=supervisor, comment="First call: interested.")
        elif reached == ProspectStatus.SCREENING:
            screening.start(prospect, actor=supervisor)
            results = FAILING if stage == ProspectStatus.LOST else PASSING
            if stage != ProspectStatus.SCREENING:
                answer_all(prospect, results, supervisor)
        elif reached == ProspectStatus.SITE_VISIT:
            screening.finish_visit(
                prospect, actor=supervisor, comment="Good site, owner on the shop floor."
            )
            services.save_proposal(
                prospect, proposal_for(prospect, code, lines, year), actor=supervisor
            )
        elif reached == ProspectStatus.PROPOSAL:
            services.propose(prospect, actor=supervisor)
        elif reached == ProspectStatus.APPROVED:
            services.PROSPECTS.move(prospect, ProspectAction.APPROVE, actor=admin, comment="Go.")
    if stage == ProspectStatus.LOST:
        services.lose(
            prospect, actor=supervisor, reason="Failed the screening: capital and team too thin."
        )


def seed_prospects(demo: DemoNetwork) -> None:
    admin = demo.users["admin@demo.example"]
    screening_standard(admin)
    supervisors = {
        "NORTH": demo.users["north.supervisor@demo.example"],
        "EAST": demo.users["south.supervisor@demo.example"],
        "SOUTH": demo.users["south.supervisor@demo.example"],
    }
    lines = [line.id for line in demo.product_lines]
    regions: dict[str, Region] = demo.regions
    year = clock.today().year + 1  # contracts starting next year
    for number, row in enumerate(PROSPECTS, start=1):
        region, name, kind, contact, phone, city, alias, stage, source = row
        supervisor = supervisors[region]
        prospect = services.create_prospect(
            region=regions[region],
            values={
                "name": name,
                "kind": kind,
                "contact_person": contact,
                "phone": phone,
                "email": f"prospect{number}@prospects.demo.example",
                "address": f"{number} Commerce Road",
                "city": city,
                "city_alias": alias,
                "source": source,
            },
            actor=supervisor,
        )
        take_to(
            prospect,
            stage,
            supervisor=supervisor,
            admin=admin,
            lines=lines,
            code=f"{region[0]}{10 + number:02d}",
            year=year,
        )
    db.session.flush()
