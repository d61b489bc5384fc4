"""Exchange staff browse, verify and export the audit trail."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.audit import search
from app.audit.forms import AuditFilterForm
from app.audit.models import AuditEvent
from app.audit.services import verify_chain
from app.auth.access import roles_required
from app.auth.roles import Role
from app.clock.services import wall_now
from app.domain.calendar import ALMATY
from app.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")
READERS = (Role.EXCHANGE_STAFF, Role.ADMIN)
CURSOR_ARGS = ("before", "after")


def filter_form(organisations: dict[int, str]) -> AuditFilterForm:
    form = AuditFilterForm(formdata=request.args)
    form.set_choices(organisations, search.distinct_values(db.session, AuditEvent.object_type),
                     search.distinct_values(db.session, AuditEvent.action))
    return form


def page_url(**cursor) -> str:
    """This page with the same filters and another cursor."""
    args = {key: value for key, value in request.args.items() if key not in CURSOR_ARGS}
    return url_for("audit.index", **args, **cursor)


@bp.route("/")
@roles_required(*READERS)
def index():
    organisations = search.organisation_names(db.session)
    form = filter_form(organisations)
    page = search.AuditPage()
    if form.validate():
        page = search.find_page(db.session, form.criteria(), before=request.args.get("before", type=int),
                                after=request.args.get("after", type=int))
    return render_template("audit/index.html", form=form, page=page, organisations=organisations,
                           page_url=page_url, pretty_json=search.pretty_json)


@bp.route("/verify", methods=["POST"])
@roles_required(*READERS)
def verify():
    # A scratch session on the request's connection: the walk empties its session between
    # batches, and the request's own objects (the logged-in user) must stay attached.
    with Session(bind=db.session.connection()) as scratch:
        report = verify_chain(scratch)
    if report.intact:
        flash(_("The audit chain is intact: %(n)s rows checked.", n=report.checked), "success")
    else:
        flash(_("The audit chain is broken at row %(id)s: %(reason)s. The %(n)s rows before it are intact.",
                id=report.location, reason=report.reason, n=report.checked), "error")
    return redirect(url_for("audit.index"))


@bp.route("/export.csv")
@roles_required(*READERS)
def export():
    organisations = search.organisation_names(db.session)
    form = filter_form(organisations)
    if not form.validate():
        flash(_("Correct the filters before exporting."), "error")
        return redirect(url_for("audit.index", **request.args))
    data = search.csv_bytes(search.export_rows(db.session, form.criteria()), organisations)
    stamp = wall_now().astimezone(ALMATY).strftime("%Y%m%d-%H%M")
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="audit-trail-{stamp}.csv"',
    })
