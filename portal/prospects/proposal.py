"""The proposal: the new dealer's code, its planned stores, first-year targets per product line
and the contract terms, drafted after the site visit and sent to head office for approval."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.access import prospects as rules
from portal.access import staff_only
from portal.extensions import db
from portal.ids import to_id
from portal.models import ProductLine, Prospect, ProspectStatus, StoreFormat, StoreStatus
from portal.prospects import services, signing
from portal.prospects.blueprint import bp
from portal.prospects.forms import PLANNED_STORE_ROWS, ProposalForm
from portal.prospects.pages import load_for_page

BEFORE_PROPOSAL = (ProspectStatus.LEAD, ProspectStatus.CONTACTED, ProspectStatus.SCREENING)


def _lines() -> list[ProductLine]:
    return list(
        db.session.scalars(
            select(ProductLine)
            .where(ProductLine.active.is_(True))
            .order_by(ProductLine.sort_order, ProductLine.id)
        )
    )


def _form_data(prospect: Prospect, lines: list[ProductLine]) -> dict[str, Any]:
    stores = [
        {
            "name": planned.name,
            "city": planned.city,
            "address": planned.address,
            "format": planned.format.value,
            "status": planned.status.value,
            "opens_on": planned.opens_on,
        }
        for planned in prospect.stores
    ]
    stores += [{"city": prospect.city}] * max(0, PLANNED_STORE_ROWS - len(stores))
    targets = {target.product_line_id: target for target in prospect.targets}
    return {
        "version": prospect.version,
        "dealer_code": prospect.dealer_code,
        "contract_start": prospect.contract_start,
        "contract_end": prospect.contract_end,
        "contract_terms": prospect.contract_terms,
        "note": prospect.proposal_note,
        "stores": stores,
        "targets": [
            {
                "product_line_id": str(line.id),
                "revenue": targets[line.id].revenue_minor if line.id in targets else None,
                "units": targets[line.id].units if line.id in targets else None,
            }
            for line in lines
        ],
    }


def _page(prospect: Prospect, form: ProposalForm, lines: list[ProductLine], status: int = 200):
    return render_template(
        "prospects/proposal.html",
        prospect=prospect,
        form=form,
        line_names={str(line.id): line.label for line in lines},
        store_code=signing.store_code,
        editable=rules.can_edit_proposal(current_user, prospect),
    ), status


@bp.route("/<int:prospect_id>/proposal", methods=["GET", "POST"])
@staff_only
def proposal(prospect_id: int):
    posting = request.method == "POST"
    prospect = rules.get_prospect_or_404(current_user, prospect_id, for_update=posting)
    prospect = load_for_page(prospect.id)
    lines = _lines()
    editable = rules.can_edit_proposal(current_user, prospect)
    if not editable and prospect.status in BEFORE_PROPOSAL:
        flash(_("The proposal is drafted after the site visit."), "info")
        return redirect(url_for("prospects.detail", prospect_id=prospect.id))
    form = ProposalForm(data=_form_data(prospect, lines))
    if not form.is_submitted() or not editable:
        if form.is_submitted():
            flash(_("The proposal can be changed only after the site visit."), "warning")
            return redirect(url_for("prospects.detail", prospect_id=prospect.id))
        return _page(prospect, form, lines)
    if not form.validate():
        return _page(prospect, form, lines, 422)
    if form.is_stale(prospect):
        form.adopt_version(prospect)
        flash(
            _(
                "Someone else changed this prospect while you were editing. Nothing was "
                "saved: check the proposal below (yours) and save again."
            ),
            "warning",
        )
        return _page(prospect, form, lines, 409)
    try:
        services.save_proposal(prospect, _proposal(form), actor=current_user)
        db.session.commit()
    except services.ProspectError as error:
        db.session.rollback()
        prospect = load_for_page(prospect_id)
        field = form[error.field] if error.field in ("dealer_code", "contract_end") else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(str(error.message), "danger")
        return _page(prospect, form, lines, 422)
    flash(_("Proposal saved."), "success")
    return redirect(url_for("prospects.detail", prospect_id=prospect.id))


def _proposal(form: ProposalForm) -> services.Proposal:
    stores = []
    for row in form.stores.entries:
        values = row.form
        if not any((values.name.data, values.address.data, values.opens_on.data)):
            continue  # an empty row (its city is pre-filled)
        stores.append(
            services.PlannedStore(
                name=values.name.data or "",
                format=StoreFormat(values.format.data),
                status=StoreStatus(values.status.data),
                city=values.city.data or "",
                address=values.address.data or "",
                opens_on=values.opens_on.data,
            )
        )
    targets = {}
    for row in form.targets.entries:
        line_id = to_id(row.form.product_line_id.data)
        if line_id is None:
            abort(400)
        targets[line_id] = (row.form.revenue.data or 0, row.form.units.data or 0)
    return services.Proposal(
        dealer_code=form.dealer_code.data or "",
        contract_start=form.contract_start.data,
        contract_end=form.contract_end.data,
        contract_terms=form.contract_terms.data or "",
        note=form.note.data or "",
        stores=stores,
        targets=targets,
    )
