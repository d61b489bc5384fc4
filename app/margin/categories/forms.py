"""Forms of client categories: the client's request, and the risk staff's records and decisions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.margin.categories.models import Qualification, RequestStatus

STATUS_LABELS = {RequestStatus.PENDING: _l("With the broker"), RequestStatus.GRANTED: _l("Granted"),
                 RequestStatus.REFUSED: _l("Refused"), RequestStatus.DOWNGRADED: _l("Granted, later downgraded")}
QUALIFICATION_LABELS = {Qualification.PROFESSIONAL: _l("Professional investor"),
                        Qualification.TEST_PASSED: _l("Passed the test")}


class RequestForm(FlaskForm):
    confirm = BooleanField(_l("I ask my broker to treat me as a special-risk client and understand that the "
                              "special-risk discount rates will then apply to my portfolio."),
                           validators=[DataRequired(_l("Tick the box to confirm the request."))])


class QualificationForm(FlaskForm):
    qualification = SelectField(_l("Ground"), validators=[DataRequired()],
                                choices=[SelectChoice(str(kind), label) for kind, label in QUALIFICATION_LABELS.items()])
    qualified_on = DateField(_l("Recognised or tested on"), validators=[InputRequired()])
    qualification_document = StringField(_l("Document reference"), validators=[DataRequired(), Length(max=100)])


class AgreementForm(FlaskForm):
    agreement_number = StringField(_l("Supplementary agreement number"), validators=[DataRequired(), Length(max=40)])
    agreement_date = DateField(_l("Supplementary agreement date"), validators=[InputRequired()])


class ActionForm(FlaskForm):
    """A button: only its CSRF token."""


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the client"), validators=[DataRequired(), Length(max=500)])
