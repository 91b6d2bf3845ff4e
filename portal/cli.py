"""Command-line verbs (`flask --app app <verb>`): thin wrappers that call services and commit."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.cli import worker


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(dossier)
    app.cli.add_command(seed_large)
    app.cli.add_command(rebuild_totals)
    app.cli.add_command(rebuild_figures)
    app.cli.add_command(worker)
    app.cli.add_command(mail_reminders)


def database_is_empty() -> bool:
    from portal.models import Region, User

    return db.session.scalar(select(User.id).limit(1)) is None and (
        db.session.scalar(select(Region.id).limit(1)) is None
    )


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "supervisor", "dealer"]), required=True)
@click.option("--name", default=None, help="Display name (defaults to the email's local part).")
@click.option("--dealer", "dealer_code", default=None, help="Dealer code, for dealer users.")
@click.option("--region", "region_codes", multiple=True, help="Region code, for supervisors.")
@click.password_option(prompt="Password", confirmation_prompt=True)
def create_user(
    email: str,
    role: str,
    name: str | None,
    dealer_code: str | None,
    region_codes: tuple[str, ...],
    password: str,
) -> None:
    """Create a user; asks for the password."""
    from portal.admin import services
    from portal.models import Dealer, Region

    dealer = db.session.scalar(select(Dealer).where(Dealer.code == (dealer_code or "").upper()))
    regions = db.session.scalars(
        select(Region).where(Region.code.in_([c.upper() for c in region_codes]))
    ).all()
    values = {
        "email": email,
        "name": name or email.split("@")[0],
        "role": role,
        "dealer_id": dealer.id if dealer else None,
        "region_ids": [r.id for r in regions],
        "password": password,
    }
    try:
        user = services.create_user(values, must_change_password=False)
    except services.UserError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email}.")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo network into an empty database."""
    from portal.demo import DEMO_PASSWORD
    from portal.demo import seed_demo as load

    if not database_is_empty():
        raise click.ClickException(
            "The database already has data; the demo loads only into an empty one."
        )
    demo = load()
    db.session.commit()
    click.echo(f"Demo network loaded. Every account's password is {DEMO_PASSWORD!r}:")
    for email, description in demo.accounts():
        click.echo(f"  {email:34} {description}")


@click.command("dossier")
@click.argument("dealer_code")
@click.option(
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Where to write the PDF.",
)
@click.option("--issuer", "issuer_email", default=None, help="Email of the issuing user.")
def dossier(dealer_code: str, output: str, issuer_email: str | None) -> None:
    """Issue a dealer's file (archived like one issued in the portal) and write it out."""
    from portal import activity
    from portal.dossiers import archive
    from portal.models import Dealer, User

    dealer = db.session.scalar(select(Dealer).where(Dealer.code == dealer_code.upper()))
    if dealer is None:
        raise click.ClickException(f"No dealer with code {dealer_code!r}.")
    issuer = None
    if issuer_email:
        issuer = db.session.scalar(select(User).where(User.email == issuer_email.lower()))
        if issuer is None or not (issuer.is_admin or issuer.is_supervisor):
            raise click.ClickException(f"{issuer_email!r} is not an admin or supervisor.")
    dealer_file, reused = archive.issue(dealer, issuer=issuer)
    action = "dealer_file.reuse" if reused else "dealer_file.issue"
    activity.record(action, dealer_file, actor=issuer, details={"via": "cli"})
    db.session.commit()
    with open(output, "wb") as handle:
        handle.write(archive.load(dealer_file))
    how = "reused (nothing changed)" if reused else "issued"
    click.echo(
        f"{dealer_file.document_id} {how}: {dealer_file.pages} pages, sha256 "
        f"{dealer_file.sha256} -> {output}"
    )


@click.command("seed-large")
@click.option("--dealers", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--audits",
    default=None,
    type=click.IntRange(0, 10_000_000),
    help="Completed audits (default: 10 per dealer, 20,000 for 2,000 dealers).",
)
@click.option("--force", is_flag=True, help="Add the network even if the database has data.")
def seed_large(dealers: int, audits: int | None, force: bool) -> None:
    """Load a large generated network (for scale tests and benchmarks), in bulk."""
    from portal.demo.large import is_empty
    from portal.demo.large import seed_large as load

    if not force and not is_empty():
        raise click.ClickException(
            "The database already has data; use --force to add the large network anyway."
        )
    network = load(dealers, audits=audits)
    db.session.commit()
    for table, count in sorted(network.counts.items()):
        click.echo(f"  {table:24} {count:>10,}")
    click.echo(f"Large network loaded in {network.seconds:.1f} s.")
    click.echo(f"Every account's password is {network.password!r}; for example:")
    for email in (network.admin_email, network.supervisor_email, network.dealer_email):
        click.echo(f"  {email}")


@click.command("rebuild-totals")
def rebuild_totals() -> None:
    """Recompute the plan-against-actual rollup (plan_actual_totals) from every line."""
    from portal.metrics import rollup

    rows = rollup.rebuild_all()
    db.session.commit()
    click.echo(f"plan_actual_totals rebuilt: {rows:,} dealer-periods.")


@click.command("rebuild-figures")
def rebuild_figures() -> None:
    """Recompute every dealer's figures (dealer_figures and the tables beside it)."""
    from portal.metrics import upkeep

    rows = upkeep.rebuild_all()
    db.session.commit()
    for table, count in rows.items():
        click.echo(f"{table} rebuilt: {count:,} rows.")


@click.command("mail-reminders")
@click.option("--queue", "on_queue", is_flag=True, help="Hand the run to a queue worker.")
def mail_reminders(on_queue: bool) -> None:
    """Queue today's reminders and escalations now (workers run them every hour anyway)."""
    from flask import current_app

    from portal.mail import outbox, reminders

    if not outbox.enabled():
        raise click.ClickException("Mail is off: set PORTAL_MAIL_SERVER (or run the demo).")
    if on_queue:
        current_app.extensions["mail.remind"]()
        click.echo("Reminder run queued.")
        return
    result = reminders.run()
    db.session.commit()
    click.echo(
        f"{result.items:,} items due: {result.reminders:,} reminders, "
        f"{result.escalations:,} escalations "
        f"in {result.seconds:.2f} s (each goes once; a worker sends them)."
    )
