"""Subscription pages: the list, filing, the exchange's check and consent, the offering page."""
import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.placement.vocabulary import custodian_choices
from app.auth.access import any_role, public, roles_required
from app.auth.models import Organisation
from app.auth.roles import OrganisationKind, Role
from app.clock.services import now
from app.extensions import db
from app.pages import apply, show_error
from app.subscriptions import access, bidding, results, services
from app.subscriptions.blueprint import bp
from app.subscriptions.loaders import load, refreshed
from app.subscriptions.forms import ActionForm, BidForm, NoteForm, OfferingForm, local
from app.subscriptions.models import SubscriptionNotice, SubscriptionStatus

STAFF = (Role.EXCHANGE_STAFF, Role.ADMIN)
SELLERS = (Role.PARTICIPANT, Role.PRIMARY_DEALER, Role.MINFIN)


@bp.route("/")
@any_role
def index():
    refreshed()
    return render_template("subscriptions/index.html", subscriptions=access.visible(db.session, current_user))


def offering_form(formdata=None, **defaults) -> OfferingForm:
    """The application form; with `defaults` it shows stored terms (GET) or re-reads a POST."""
    form = OfferingForm(formdata=formdata, **defaults) if defaults else OfferingForm()
    issuers = db.session.scalars(select(Organisation).where(Organisation.kind == OrganisationKind.ISSUER)
                                 .order_by(Organisation.name))
    form.issuer_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(org.id), org.name) for org in issuers]
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*SELLERS)
def new():
    form = offering_form()
    if form.validate_on_submit():
        try:
            subscription = services.file_application(db.session, current_user, form.terms(), now(),
                                                     also_with_ccp=form.also_with_ccp.data)
        except services.OfferingError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The application is filed; the exchange will check it."), "success")
            return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))
    return render_template("subscriptions/new.html", form=form), 422 if form.errors else 200


@bp.route("/<int:subscription_id>")
@any_role
def detail(subscription_id: int):
    subscription = load(subscription_id)
    return render_template("subscriptions/detail.html", **page(subscription))


def page(subscription) -> dict:
    user, at = current_user, now()
    phase = bidding.phase(subscription, at) if subscription.status == SubscriptionStatus.ANNOUNCED else None
    context = {
        "subscription": subscription, "phase": phase, "now": at, "is_staff": access.is_staff(user),
        "is_seller": access.is_seller(subscription, user), "reads_registers": access.reads_registers(subscription, user),
        "action_form": ActionForm(), "note_form": NoteForm(formdata=None), "counts": results.counts(db.session, subscription),
        "own_bids": bidding.firm_bids(db.session, subscription, user.organisation_id) if user.role in access.MEMBERS else [],
        "bid_form": None, "seconds_left": None,
    }
    context["deals_by_bid"] = {deal.bid_id: deal for deal in subscription.deals
                               if deal.organisation_id == user.organisation_id}
    context["may_bid"] = not subscription.is_gko or user.organisation.is_primary_dealer
    if phase == "open" and user.role in access.MEMBERS and context["may_bid"]:
        form = BidForm(formdata=None, idempotency_key=uuid.uuid4().hex)
        form.custodian_id.choices = custodian_choices(db.session)
        context.update(bid_form=form, seconds_left=int((subscription.period_end_at - at).total_seconds()))
    return context


# --- the exchange's check, the depository's consent, the announcement ----------------------------------

ACTIONS = {
    "accept": (lambda s, note, at: services.accept_application(db.session, s, at), _l("The application is accepted.")),
    "refuse": (lambda s, note, at: services.refuse_application(db.session, s, note), _l("The application is refused.")),
    "consent": (lambda s, note, at: services.record_consent(db.session, s, True, note, at),
                _l("The depository's consent is recorded.")),
    "no_consent": (lambda s, note, at: services.record_consent(db.session, s, False, note, at),
                   _l("The depository's refusal is recorded and passed to the seller.")),
    "announce": (lambda s, note, at: services.announce(db.session, s, at), _l("The announcement is published.")),
}


@bp.route("/<int:subscription_id>/review/<action>", methods=["POST"])
@roles_required(*STAFF)
def review(subscription_id: int, action: str):
    if action not in ACTIONS:
        abort(404)
    subscription = load(subscription_id)
    form = NoteForm()
    operation, done = ACTIONS[action]
    return apply(form, lambda: operation(subscription, form.note.data, now()), done,
                 url_for("subscriptions.detail", subscription_id=subscription.id))


@bp.route("/<int:subscription_id>/terms", methods=["GET", "POST"])
@roles_required(*STAFF)
def change_terms(subscription_id: int):
    """App.8 §2: the exchange changes terms on the seller's written request."""
    subscription = load(subscription_id)
    form = offering_form(request.form if request.method == "POST" else None, **_stored(subscription))
    note = NoteForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.change_terms(db.session, subscription, form.terms(), note.note.data)
        except services.OfferingError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("The terms are changed."), "success")
            return redirect(url_for("subscriptions.detail", subscription_id=subscription.id))
    return render_template("subscriptions/new.html", form=form, subscription=subscription, note_form=note)


def _stored(subscription) -> dict:
    values = {name: getattr(subscription, name) for name in (
        "security_name", "isin", "is_bond", "face_value", "quantity", "price_min", "price_max", "with_ccp",
        "settlement_code", "settlement_organisation", "investor_categories", "minimum_bid_amount", "is_private",
        "market_bids_allowed", "terms_note")}
    for name in ("period_start_at", "period_end_at", "collateral_check_at", "register_due_at", "answer_due_at"):
        values[name] = local(getattr(subscription, name))
    values["issuer_id"] = str(subscription.issuer_id or "")
    return values


# --- public notices --------------------------------------------------------------------------------

@bp.route("/notices")
@public
def notices():
    refreshed()
    query = select(SubscriptionNotice).order_by(SubscriptionNotice.published_at.desc()).limit(200)
    if not (current_user.is_authenticated and current_user.role in access.MEMBERS + STAFF):
        query = query.where(SubscriptionNotice.members_only.is_(False))
    return render_template("subscriptions/notices.html", notices=db.session.scalars(query).all())


@bp.route("/notices/<int:notice_id>")
@public
def notice(notice_id: int):
    row = db.session.get(SubscriptionNotice, notice_id) or abort(404)
    members = current_user.is_authenticated and current_user.role in access.MEMBERS + STAFF
    if row.members_only and not members:
        abort(404)
    outcome = results.counts(db.session, row.subscription)
    return render_template("subscriptions/notice.html", notice=row, subscription=row.subscription, counts=outcome)
