"""The calculator page: public, for visitors and logged-in users alike."""
from flask import Blueprint, render_template

from app.auth.access import public
from app.calculator import KIND_LABELS, calculate, error_message
from app.calculator.forms import CalculatorForm
from app.domain.yields import BondKind, YieldError

bp = Blueprint("calculator", __name__, url_prefix="/calculator")
# SPEC §7: the time base each kind is quoted on.
TIME_BASES = {BondKind.DISCOUNT: "ACT/ACT", BondKind.COUPON: "30/360"}


@bp.route("/", methods=["GET", "POST"])
@public
def index():
    form = CalculatorForm()
    result = None
    if form.validate_on_submit():
        try:
            result = calculate(form.terms())
        except YieldError as error:
            form.field_for(error.field).errors.append(error_message(error))
    status = 422 if form.is_submitted() and result is None else 200
    return render_template("calculator/index.html", form=form, result=result,
                           kind_labels=KIND_LABELS, time_bases=TIME_BASES), status
