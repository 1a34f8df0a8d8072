from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp

from ..forms import REQUIRED, DayField, Form, too_long
from ..models import CALENDAR_DAY_KINDS, ROLES, UNIT_KINDS

CODE_RULE = Regexp(r"^[A-Za-z0-9_.-]+$", message="Mã chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.")




class UnitForm(Form):
    code = StringField("Mã đơn vị", validators=[DataRequired(REQUIRED), too_long(40), CODE_RULE])
    name = StringField("Tên đơn vị", validators=[DataRequired(REQUIRED), too_long(200)])
    kind = SelectField("Loại", choices=[SelectChoice(code, label) for code, label in UNIT_KINDS.items()], validators=[DataRequired(REQUIRED)])
    place_name = StringField("Địa danh (ghi trên văn bản)", validators=[Optional(), too_long(100)])
    parent_id = SelectField("Đơn vị cấp trên", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    sort_order = IntegerField(
        "Thứ tự", default=0, validators=[Optional(), NumberRange(min=0, max=99999, message="Từ 0 đến 99.999.")]
    )
    active = BooleanField("Đang hoạt động", default=True)


class UserForm(Form):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED), too_long(80), CODE_RULE])
    full_name = StringField("Họ và tên", validators=[DataRequired(REQUIRED), too_long(120)])
    phone = StringField(
        "Điện thoại",
        validators=[Optional(), too_long(30), Regexp(r"^[0-9 +.()-]*$", message="Số điện thoại không hợp lệ.")],
    )
    email = StringField("Thư điện tử", validators=[Optional(), too_long(120), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Địa chỉ thư không hợp lệ.")])
    role = SelectField("Vai trò", choices=[SelectChoice(code, label) for code, label in ROLES.items()], validators=[DataRequired(REQUIRED)])
    unit_id = SelectField("Đơn vị", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    system_admin = BooleanField("Quản trị toàn hệ thống (chỉ với vai trò Quản trị; bỏ chọn: chỉ đơn vị và cấp dưới)")
    active = BooleanField("Đang hoạt động", default=True)


class FieldForm(Form):
    field_id = HiddenField(filters=[lambda v: int(v) if str(v or "").isdigit() else None])
    scope = SelectField("Phạm vi áp dụng", coerce=int, validate_choice=False)
    code = StringField("Mã lĩnh vực", validators=[DataRequired(REQUIRED), too_long(40), CODE_RULE])
    name = StringField("Tên lĩnh vực", validators=[DataRequired(REQUIRED), too_long(200)])
    group_code = StringField("Mã nhóm (để cộng tổng nhóm)", validators=[Optional(), too_long(40), CODE_RULE])
    group_label = StringField("Tên dòng tổng nhóm", validators=[Optional(), too_long(200)])
    sort_order = IntegerField(
        "Thứ tự", default=0, validators=[Optional(), NumberRange(min=0, max=99999, message="Từ 0 đến 99.999.")]
    )
    active = BooleanField("Đang dùng (bỏ chọn để ngừng dùng từ hôm nay; các đợt đã mở giữ nguyên)", default=True)


class CalendarDayForm(Form):
    scope = SelectField("Áp dụng cho", coerce=int, validate_choice=False)
    day = DayField("Ngày", validators=[InputRequired("Vui lòng chọn ngày (dd/mm/yyyy).")])
    # Always one of the two kinds: no empty first option, so no "required" select either.
    kind = SelectField("Loại", choices=[SelectChoice(code, label) for code, label in CALENDAR_DAY_KINDS.items()],
                       validators=[DataRequired(REQUIRED)], render_kw={"required": False})
    note = StringField("Ghi chú (căn cứ)", validators=[Optional(), too_long(200)])


class MergerForm(Form):
    """Sáp nhập: units A, B, C became D (an existing unit, or a new one) from a date."""

    predecessors = SelectMultipleField("Các đơn vị được sáp nhập", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    successor_id = SelectField("Đơn vị sau sáp nhập", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    new_code = StringField("Mã đơn vị mới", validators=[Optional(), too_long(40), CODE_RULE])
    new_name = StringField("Tên đơn vị mới", validators=[Optional(), too_long(200)])
    new_kind = SelectField("Loại", choices=[SelectChoice(code, label) for code, label in UNIT_KINDS.items()],
                           default="commune")
    new_parent_id = SelectField("Đơn vị cấp trên của đơn vị mới", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    new_place_name = StringField("Địa danh", validators=[Optional(), too_long(100)])
    new_sort_order = IntegerField("Thứ tự", default=0,
                                  validators=[Optional(), NumberRange(min=0, max=99999, message="Từ 0 đến 99.999.")])
    effective_on = DayField("Có hiệu lực từ ngày", validators=[InputRequired("Vui lòng chọn ngày (dd/mm/yyyy).")])


class MoveForm(Form):
    """Tổ chức lại: units get a new parent from a date (e.g. communes to the province)."""

    units = SelectMultipleField("Chuyển các đơn vị", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    from_parents = SelectMultipleField("Hoặc chuyển toàn bộ đơn vị trực thuộc của", coerce=int, validate_choice=False)
    new_parent_id = SelectField("Về đơn vị cấp trên mới", coerce=int, validate_choice=False, render_kw={"data-unit-picker": ""})
    retire_emptied = BooleanField("Ngừng hoạt động đơn vị cấp trên cũ khi không còn đơn vị trực thuộc (giải thể cấp huyện)")
    effective_on = DayField("Có hiệu lực từ ngày", validators=[InputRequired("Vui lòng chọn ngày (dd/mm/yyyy).")])
