from wtforms import IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import REQUIRED, DayField, Form

YEARS = (2000, 2100)  # the years a round may cover


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RoundForm(Form):
    template = SelectField("Mẫu báo cáo", validators=[DataRequired(REQUIRED)])
    year = IntegerField("Năm", validators=[InputRequired(REQUIRED), NumberRange(*YEARS, "Năm từ 2000 đến 2100.")])
    index = SelectField("Kỳ", coerce=int, validate_choice=False)
    date_from = DayField("Từ ngày (đột xuất)", validators=[Optional()])
    date_to = DayField("Đến ngày (đột xuất)", validators=[Optional()])
    deadline = DayField("Hạn nộp", validators=[InputRequired("Vui lòng chọn hạn nộp (dd/mm/yyyy).")])
    units = MultiCheckboxField("Đơn vị báo cáo", coerce=int, validate_choice=False)
    instructions = TextAreaField("Hướng dẫn", validators=[Optional(), Length(max=4000, message="Tối đa 4.000 ký tự.")])


class ExtendForm(Form):
    """Gia hạn: a new deadline for the round or for one unit, with the reason."""

    target = SelectField("Gia hạn cho", coerce=int, validate_choice=False)
    new_deadline = DayField("Hạn nộp mới", validators=[InputRequired("Vui lòng chọn hạn nộp mới (dd/mm/yyyy).")])
    reason = TextAreaField("Lý do", validators=[Optional(), Length(max=500, message="Tối đa 500 ký tự.")])
