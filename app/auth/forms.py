from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import REQUIRED, Form


class LoginForm(Form):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED), Length(max=80, message="Tối đa 80 ký tự.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED), Length(max=200, message="Tối đa 200 ký tự.")])


class ChangePasswordForm(Form):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED), Length(max=200, message="Tối đa 200 ký tự.")])
    new = PasswordField(
        "Mật khẩu mới",
        validators=[DataRequired(REQUIRED), Length(max=200, message="Tối đa 200 ký tự.")],
    )
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired(REQUIRED), EqualTo("new", message="Hai mật khẩu không khớp.")],
    )
