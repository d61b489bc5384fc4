"""Subscription pages: the list, filing, the exchange's check and consent, the offering page."""
from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.auth.access import any_role, public, roles_required
from app.auth.models import Organisation
from app.auth.roles import STAFF_ROLES, OrganisationKind, Role
from app.clock.services import now
from app.extensions import db
from app.placement import pages
from app.placement.vocabulary import BIDDERS
from app.subscriptions import access, results, services
from app.subscriptions.blueprint import bp
from app.subscriptions.forms import NoteForm, OfferingForm, local
from app.subscriptions.loaders import load, refreshed
from app.subscriptions.models import SubscriptionNotice
from app.subscriptions.page import PAGES, subscription_page

SELLERS = (*BIDDERS, Role.MINFIN)


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
    filed = pages.submitted(form, lambda: services.file_application(db.session, current_user, form.terms(), now(),
                                                                    also_with_ccp=form.also_with_ccp.data),
                            _("The application is filed; the exchange will check it."),
                            lambda subscription: PAGES.detail(subscription.id))
    return filed or pages.form_page("subscriptions/new.html", form)


@bp.route("/<int:subscription_id>")
@any_role
def detail(subscription_id: int):
    subscription = load(subscription_id)
    return render_template("subscriptions/detail.html",
                           **subscription_page(db.session, subscription, current_user, now()))


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
@roles_required(*STAFF_ROLES)
def review(subscription_id: int, action: str):
    return pages.review(PAGES, ACTIONS, action, load(subscription_id), NoteForm())


@bp.route("/<int:subscription_id>/terms", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def change_terms(subscription_id: int):
    """App.8 §2: the exchange changes terms on the seller's written request."""
    subscription = load(subscription_id)
    form = offering_form(request.form if request.method == "POST" else None, **_stored(subscription))
    note = NoteForm()
    changed = pages.submitted(form, lambda: services.change_terms(db.session, subscription, form.terms(),
                                                                  note.note.data),
                              _("The terms are changed."), PAGES.detail(subscription.id))
    return changed or render_template("subscriptions/new.html", form=form, subscription=subscription, note_form=note)


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
    if not _member_or_staff():
        query = query.where(SubscriptionNotice.members_only.is_(False))
    return render_template("subscriptions/notices.html", notices=db.session.scalars(query).all())


@bp.route("/notices/<int:notice_id>")
@public
def notice(notice_id: int):
    row = db.session.get(SubscriptionNotice, notice_id) or abort(404)
    if row.members_only and not _member_or_staff():
        abort(404)
    outcome = results.counts(db.session, row.subscription)
    return render_template("subscriptions/notice.html", notice=row, subscription=row.subscription, counts=outcome)


def _member_or_staff() -> bool:
    """A private placement's notices go to exchange members (and staff) only."""
    return current_user.is_authenticated and current_user.role in (*BIDDERS, *STAFF_ROLES)
