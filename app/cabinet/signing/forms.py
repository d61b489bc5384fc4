"""Forms of the signing page: shapes only; the services decide whether a signature counts."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from app.cabinet.signing.services import CODE_DIGITS, MAX_SIGNED_XML_BYTES


class SigningActionForm(FlaskForm):
    """A button that changes state (send a code, the sandbox signer): CSRF only."""


class CodeForm(FlaskForm):
    code = StringField(_l("Code from the SMS"), validators=[
        InputRequired(message=_l("Enter the code from the SMS.")),
        Regexp(rf"^[0-9]{{{CODE_DIGITS}}}\Z", message=_l("Enter the %(digits)s digits of the code.", digits=CODE_DIGITS)),
    ])


class EdsForm(FlaskForm):
    signed_xml = HiddenField(_l("Signed document"), validators=[
        InputRequired(message=_l("NCALayer returned no signed document; try again.")),
        Length(max=MAX_SIGNED_XML_BYTES, message=_l("The signed document is too large.")),
    ])
