"""/registers/verify: anyone logged in checks a register file against its signature."""
from flask import Blueprint, render_template

from app.auth.access import any_role
from app.registers.forms import VerifyForm
from app.registers.signing import verify_enveloped_register, verify_register

bp = Blueprint("registers", __name__, url_prefix="/registers")


@bp.route("/verify", methods=["GET", "POST"])
@any_role
def verify():
    """Nothing is stored: the uploads are read, hashed and dropped. Without a signature file
    the register must carry its signature inside (small registers only)."""
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        register, signature = form.register.data.stream, form.signature.data
        if signature:
            result = verify_register(register, signature.stream)
        else:
            result = verify_enveloped_register(register)
    return render_template("registers/verify.html", form=form, result=result)
