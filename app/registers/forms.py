from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class VerifyForm(FlaskForm):
    register = FileField(_l("Register file (XML or XLSX)"), validators=[FileRequired(_l("Choose the register file."))])
    signature = FileField(_l("Signature file (.sig)"))
