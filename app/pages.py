"""What every feature's pages share: one state change per POST, committed or rolled back, and a
refusal shown on the form field it concerns."""
from flask import flash, redirect
from flask_babel import gettext as _

from app.extensions import db
from app.refusals import Refusal


def show_error(form, error: Refusal) -> None:
    """The refusal under its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        form.form_errors.append(str(error.message))
    else:
        field.errors = list(field.errors) + [str(error.message)]


def apply(form, operation, done, back: str):
    """Run one state change, commit it or roll it back, say so, and go back to `back`.
    `done` is a message, or a callable that makes one from the operation's result."""
    if not form.validate_on_submit():
        flash(form_errors_text(form), "error")     # a field's error, or "the form has expired"
        return redirect(back)
    try:
        result = operation()
    except Refusal as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        flash(str(done(result) if callable(done) else done), "success")
    return redirect(back)


def form_errors_text(form) -> str:
    """A form's field errors in one flash line: `Quantity: Enter a whole number.; …`."""
    messages = [f"{getattr(form, name).label.text}: {errors[0]}" for name, errors in form.errors.items()
                if name != "csrf_token"]
    return "; ".join(messages) or _("The form has expired; try again.")
